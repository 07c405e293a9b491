"""ocr_core.files: concurrent writes of the same file never collide (a unique temporary name per
write, then os.replace), and a document's masked page images are written once per version of its
result, not on every cached hit. Real files, real encryption, the real engine for the scans."""
from __future__ import annotations

import hashlib
import io
import os
import threading

from PIL import Image

from ocr_core import files
from ocr_core.intake import process_upload

HASH = hashlib.sha256(b"some document").hexdigest()


def _png(colour: int, size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (colour, colour, colour)).save(buf, format="PNG")
    return buf.getvalue()


def _hammer(write, n_threads: int = 8, n_writes: int = 25) -> list[BaseException]:
    """`write(thread, i)` from n_threads threads at once, n_writes each; the exceptions raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(n_threads)

    def run(t: int) -> None:
        start.wait()
        for i in range(n_writes):
            try:
                write(t, i)
            except BaseException as e:  # noqa: BLE001 - counted: the test wants none
                errors.append(e)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return errors


def test_threads_writing_the_same_masked_page_never_fail(settings):
    pngs = [_png(c) for c in (0, 60, 120, 180, 240)]
    errors = _hammer(lambda t, i: files.put_masked(HASH, 1, pngs[(t + i) % len(pngs)], settings))
    assert errors == []
    assert files.get_masked(HASH, 1, settings) in pngs  # one whole write won
    d = files._masked_dir(HASH, settings)
    assert sorted(p.name for p in d.iterdir()) == ["1.png"]  # no temporary file left behind
    assert (d / "1.png").stat().st_mode & 0o777 == 0o600


def test_threads_storing_the_same_upload_never_fail(settings):
    data = b"%PDF-1.4 not really" * 100
    h = hashlib.sha256(data).hexdigest()

    def write(t: int, i: int) -> None:
        files.put(h, data, settings)
        if i % 5 == 4:  # deleted under the others' feet, as a purge would
            files.delete_original(h, settings)

    assert _hammer(write) == []
    files.put(h, data, settings)
    assert files.get(h, settings) == data
    p = files._path(h, settings)
    assert [x.name for x in p.parent.iterdir()] == [h] and p.stat().st_mode & 0o777 == 0o600


def test_masked_version_is_recorded_and_read_back(settings):
    assert files.masked_version(HASH, settings) is None
    files.set_masked_version(HASH, "abc", settings)
    assert files.masked_version(HASH, settings) == "abc"
    assert files.delete(HASH, settings) and files.masked_version(HASH, settings) is None


def test_masked_pages_written_once_per_version_of_the_result(settings, fixtures_dir):
    data = (fixtures_dir / "pan_card.png").read_bytes()
    first = process_upload(data, "pan.png", settings=settings)
    page = files._masked_dir(first.file_hash, settings) / "1.png"
    before = page.stat()
    assert files.masked_version(first.file_hash, settings) == files.masked_stamp(first)

    again = process_upload(data, "pan.png", settings=settings)  # a cached hit: the same result
    assert again.cached and files.masked_stamp(again) == files.masked_stamp(first)
    after = page.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten

    # a new reading of the same file (here: a changed cache entry's result) is another version:
    # its pages are masked and written again
    files.set_masked_version(first.file_hash, "an older result", settings)
    process_upload(data, "pan.png", settings=settings)
    assert page.stat().st_ino != before.st_ino
    assert files.masked_version(first.file_hash, settings) == files.masked_stamp(first)
    assert sorted(p.name for p in page.parent.iterdir()) == [".version", "1.png"]


def test_stamp_changes_with_what_the_mask_is_made_from(settings, fixtures_dir):
    res = process_upload((fixtures_dir / "pan_card.png").read_bytes(), "pan.png", settings=settings)
    stamp = files.masked_stamp(res)
    res.filename, res.cached, res.execution_time = "other.png", True, 99.0  # not part of the images
    assert files.masked_stamp(res) == stamp
    res.pages[0].lines[0].box = [[0.0, 0.0], [5.0, 0.0], [5.0, 5.0], [0.0, 5.0]]
    assert files.masked_stamp(res) != stamp
    assert len(stamp) == 64 and os.path.basename(stamp) == stamp
