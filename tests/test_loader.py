"""Documents in: kind from the bytes, limits, and a typed, readable error for every bad input."""
import io

import numpy as np
import pymupdf
import pytest
from PIL import Image

from ocr_core import errors
from ocr_core.loader import EXTENSIONS, FILE_TYPES, MEDIA_TYPES, SUPPORTED, load_pages, sniff


def png(size=(60, 40), mode="RGB", color=(255, 255, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, color if mode in ("RGB", "CMYK") else 255).save(buf, "PNG" if mode != "CMYK" else "JPEG")
    return buf.getvalue()


def pages(data, settings):
    kind, it = load_pages(data, settings)
    return kind, list(it)


@pytest.mark.parametrize("fmt,kind", [("JPEG", "jpeg"), ("PNG", "png"), ("TIFF", "tiff"), ("WEBP", "webp"),
                                      ("BMP", "bmp")])
def test_kind_from_bytes_not_name(fmt, kind, settings):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, fmt)
    assert sniff(buf.getvalue()) == kind
    k, ps = pages(buf.getvalue(), settings)
    assert k == kind and ps[0].image.shape == (30, 40, 3)


def test_one_list_of_file_types_feeds_every_adapter(fixtures_dir):
    """The loader's FILE_TYPES is the one list: the folder walker, the uploaders' extensions, the
    media types and the refusal message all come from it."""
    from ocr_core import archive, batch

    assert [t.kind for t in FILE_TYPES] == list(MEDIA_TYPES)
    assert set(EXTENSIONS) == {"jpg", "jpeg", "png", "tif", "tiff", "webp", "bmp", "pdf"}
    assert set(batch.SUFFIXES) == {f".{e}" for e in (*EXTENSIONS, *archive.EXTENSIONS)}
    assert all(t.label in SUPPORTED for t in FILE_TYPES)
    for f in sorted(fixtures_dir.iterdir()):
        ext = f.suffix.lower().lstrip(".")
        if ext in EXTENSIONS:
            assert ext in next(t for t in FILE_TYPES if t.kind == sniff(f.read_bytes())).extensions, f.name
    with pytest.raises(errors.UnsupportedFileTypeError, match="Supported: " + SUPPORTED):
        sniff(b"GIF89a......")


def test_multipage_tiff_and_exif_orientation(settings):
    frames = [Image.new("RGB", (50, 20), c) for c in ("red", "green", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    _, ps = pages(buf.getvalue(), settings)
    assert [p.number for p in ps] == [1, 2, 3]
    im = Image.new("RGB", (50, 20), "white")
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 CW on display
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    _, ps = pages(buf.getvalue(), settings)
    assert ps[0].image.shape[:2] == (50, 20)


def test_cmyk_and_16bit_images_become_rgb(settings):
    buf = io.BytesIO()
    Image.new("CMYK", (30, 20), (0, 0, 0, 0)).save(buf, "JPEG")
    assert pages(buf.getvalue(), settings)[1][0].image.dtype == np.uint8
    arr = (np.arange(600, dtype=np.uint16).reshape(20, 30) * 100)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")  # a 16-bit greyscale PNG
    img = pages(buf.getvalue(), settings)[1][0].image
    assert img.shape == (20, 30, 3) and img.max() == 255


@pytest.mark.parametrize("data,error,words", [
    (b"", errors.EmptyFileError, "empty"),
    (b"<html><body>hi</body></html>", errors.UnsupportedFileTypeError, "HTML"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', errors.UnsupportedFileTypeError, "SVG"),
    (b"just some text", errors.UnsupportedFileTypeError, "not an image"),
    (b"PK\x03\x04rest", errors.UnsupportedFileTypeError, "ZIP"),
])
def test_bad_bytes_give_typed_errors(data, error, words, settings):
    with pytest.raises(error, match=words):
        pages(data, settings)


def test_truncated_image_and_pdf(settings):
    buf = io.BytesIO()
    Image.effect_noise((300, 300), 50).convert("RGB").save(buf, "JPEG")
    with pytest.raises(errors.CorruptFileError):
        pages(buf.getvalue()[: len(buf.getvalue()) // 2], settings)
    with pytest.raises(errors.CorruptFileError):
        pages(png()[:40], settings)
    doc = pymupdf.open()
    doc.new_page()
    data = doc.tobytes()
    with pytest.raises(errors.CorruptFileError):
        pages(data[:60], settings)


def test_encrypted_pdf(settings):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="pw", owner_pw="pw")
    with pytest.raises(errors.EncryptedPDFError, match="password"):
        pages(data, settings)


def test_limits_from_configuration(settings, monkeypatch):
    from ocr_core.config import get_settings

    monkeypatch.setenv("MAX_FILE_BYTES", "100")
    monkeypatch.setenv("MAX_PAGE_PIXELS", "10000")
    monkeypatch.setenv("MAX_PAGES", "2")
    get_settings.cache_clear()
    s = get_settings()
    with pytest.raises(errors.FileTooLargeError, match="limit"):
        pages(b"\x89PNG\r\n\x1a\n" + b"0" * 200, s)
    monkeypatch.setenv("MAX_FILE_BYTES", "10000000")
    get_settings.cache_clear()
    s = get_settings()
    with pytest.raises(errors.ImageTooLargeError, match="MP"):
        pages(png(size=(200, 200)), s)
    doc = pymupdf.open()
    for _ in range(3):
        doc.new_page()
    with pytest.raises(errors.TooManyPagesError, match="3 pages"):
        pages(doc.tobytes(), s)


def test_decompression_bomb_is_refused_before_decoding(settings):
    # a 30000x30000 PNG compresses to a few hundred KB; its header alone gives it away
    import zlib, struct

    w = h = 30000
    raw = zlib.compress(b"\x00" * (w + 1) * 64, 9)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    with pytest.raises(errors.ImageTooLargeError):
        pages(data, settings)


def test_pdf_text_layer_read_and_scanned_page_rendered(fixtures_dir, settings):
    _, ps = pages((fixtures_dir / "gst_text.pdf").read_bytes(), settings)
    assert ps[0].text_lines and ps[0].image is None
    assert any("Form GST REG-06" in ln.text for ln in ps[0].text_lines)
    _, ps = pages((fixtures_dir / "udyam_scan.pdf").read_bytes(), settings)
    assert ps[0].text_lines is None and ps[0].image is not None
    assert ps[0].width == 900  # rendered at OCR_DPI=150


# ---------------------------------------------------------------- pictures on text-layer pages
def _card_png(number="9472 0318 5647") -> bytes:
    from PIL import ImageDraw, ImageFont

    im = Image.new("RGB", (640, 400), (246, 244, 238))
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 30)
    for y, t in ((30, "Government of India"), (90, "Kavita Rao"), (150, "DOB: 14/02/1990"), (260, number)):
        d.text((32, y), t, fill=(20, 20, 30), font=f)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def test_picture_under_a_typed_line_is_a_region_to_ocr(settings):
    """A typed header (a real text layer) above an embedded picture of a card: the text layer is
    read, and the card, which no text span covers, comes back as a region in page pixels."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), "KYC document copy - self attested", fontsize=14)
    page.insert_image(pymupdf.Rect(60, 110, 380, 310), stream=_card_png())
    _, ps = pages(doc.tobytes(), settings)
    p = ps[0]
    assert p.text_lines and p.image is None and any("KYC document" in ln.text for ln in p.text_lines)
    assert 1 <= len(p.regions) <= 2  # the card's text: one cluster, or two across its blank middle
    s = 150 / 72  # OCR_DPI
    # inside the card's rectangle on the page (plus the context pad), below the header line
    for r in p.regions:
        assert 60 * s - 25 <= r.x0 and 110 * s - 25 <= r.y0
        assert r.x0 + r.image.shape[1] * r.scale <= 380 * s + 25 and r.y0 + r.image.shape[0] * r.scale <= 310 * s + 25
        assert r.y0 > max(pt[1] for ln in p.text_lines for pt in ln.box)
    assert min(r.y0 for r in p.regions) <= 130 * s and max(r.y0 + r.image.shape[0] * r.scale for r in p.regions) >= 250 * s
    # a page of text alone and a page of pictures alone: as before
    _, ps = pages((fixtures_dir_path() / "gst_text.pdf").read_bytes(), settings)
    assert ps[0].text_lines and not ps[0].regions
    _, ps = pages((fixtures_dir_path() / "udyam_scan.pdf").read_bytes(), settings)
    assert ps[0].image is not None and ps[0].regions is None


def fixtures_dir_path():
    from pathlib import Path

    return Path(__file__).parent / "fixtures"


def _scan_with_invisible_text(extra_picture: bool) -> bytes:
    """A scanned page with its OCR as an invisible text layer (what a scanner's "searchable PDF"
    makes): the page rendered to a picture, the same text laid over it invisibly."""
    src = pymupdf.open()
    pg = src.new_page(width=595, height=842)
    lines = [(72, 100 + 30 * i, f"Line {i} of the scanned letter, ref 0987/60321/{i:05d}") for i in range(12)]
    for x, y, t in lines:
        pg.insert_text((x, y), t, fontsize=13)
    if extra_picture:  # a photo the OCR layer has no text for
        pg.draw_rect(pymupdf.Rect(400, 600, 500, 720), color=(0.2, 0.2, 0.2), fill=(0.3, 0.3, 0.3))
    pix = pg.get_pixmap(dpi=150)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_image(page.rect, stream=pix.tobytes("png"))
    for x, y, t in lines:
        page.insert_text((x, y), t, fontsize=13, render_mode=3)  # invisible
    return doc.tobytes()


def test_invisible_text_layer_over_a_scan_is_read_as_text(settings):
    """A full invisible text layer covers its scan: no region (no OCR), as before; a picture on
    it that the text does not cover (a photo) is the only region."""
    _, ps = pages(_scan_with_invisible_text(False), settings)
    assert ps[0].text_lines and ps[0].regions == []
    _, ps = pages(_scan_with_invisible_text(True), settings)
    (r,) = ps[0].regions
    s = 150 / 72
    assert 350 * s <= r.x0 <= 400 * s and 550 * s <= r.y0 <= 600 * s  # the photo, padded
    assert r.image.shape[1] * r.scale <= 180 * s and r.image.shape[0] * r.scale <= 200 * s  # not the page
