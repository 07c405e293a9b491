"""Safe ZIP extraction: real archives built with zipfile, hostile ones included."""
from __future__ import annotations

import io
import stat
import zipfile

import pytest

from ocr_core.archive import ArchiveError, extract_zip, is_zip, safe_name


def make_zip(members: list[tuple[str, bytes]], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def test_extracts_images_and_pdfs_and_skips_clutter(settings, dev_dir):
    png = (dev_dir / "pan_000.png").read_bytes()
    pdf = (dev_dir / "gst_000_digital.pdf").read_bytes()
    data = make_zip([("scans/pan.png", png), ("gst.pdf", pdf), ("__MACOSX/._pan.png", b"x"),
                     ("scans/.DS_Store", b"x"), ("empty/", b"")])
    assert is_zip(data)
    assert extract_zip(data) == [("scans/pan.png", png), ("gst.pdf", pdf)]


@pytest.mark.parametrize("name", ["../evil.png", "a/../../evil.png", "/etc/passwd", "C:/x.png", "..\\x.png"])
def test_path_traversal_is_refused(settings, name):
    with pytest.raises(ArchiveError, match="path|absolute"):
        extract_zip(make_zip([("ok.png", b"x"), (name, b"y")]))


def test_safe_name_normalises_harmless_paths():
    assert safe_name("./a//b.png") == "a/b.png"


def test_nested_archive_is_refused(settings):
    inner = make_zip([("a.png", b"x")])
    with pytest.raises(ArchiveError, match="nested"):
        extract_zip(make_zip([("inner.zip", inner)]))
    with pytest.raises(ArchiveError, match="nested"):  # caught by content, not only by name
        extract_zip(make_zip([("inner.png", inner)]))


def test_caps_on_members_and_expanded_size(settings):
    with pytest.raises(ArchiveError, match="at most 3"):
        extract_zip(make_zip([(f"{i}.png", b"x") for i in range(4)]), max_members=3)
    bomb = make_zip([("big.png", b"\0" * 2_000_000)])
    assert len(bomb) < 10_000
    with pytest.raises(ArchiveError, match="bytes"):
        extract_zip(bomb, max_total_bytes=1_000_000)


def test_lying_header_is_stopped_while_reading(settings):
    """A member whose header claims a small size but expands beyond the cap."""
    data = bytearray(make_zip([("big.png", b"\0" * 3_000_000)]))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.infolist()[0]
    # patch the declared uncompressed size (local header offset 22, central directory offset 24)
    small = (100).to_bytes(4, "little")
    data[info.header_offset + 22: info.header_offset + 26] = small
    cd = bytes(data).rfind(b"PK\x01\x02")
    data[cd + 24: cd + 28] = small
    with pytest.raises(ArchiveError):
        extract_zip(bytes(data), max_total_bytes=1_000_000)


def test_links_encrypted_and_broken_archives_are_refused(settings):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("link.png")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(ArchiveError, match="link"):
        extract_zip(buf.getvalue())
    with pytest.raises(ArchiveError, match="not a readable ZIP"):
        extract_zip(b"PK\x03\x04 broken")
    with pytest.raises(ArchiveError, match="no files"):
        extract_zip(make_zip([("dir/", b"")]))
    enc = bytearray(make_zip([("a.png", b"abc")], zipfile.ZIP_STORED))
    enc[6] |= 1  # the encrypted flag, local header
    cd = bytes(enc).rfind(b"PK\x01\x02")
    enc[cd + 8] |= 1  # and central directory
    with pytest.raises(ArchiveError, match="encrypted"):
        extract_zip(bytes(enc))
