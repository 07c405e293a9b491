"""Aadhaar and VID masked on the page images, read back by the real OCR engine: the first 8 (VID:
12) digits unreadable, the last 4 readable. Cards, letters, turned pages, PDF pages, numbers added
by an operator with a box, an old card's XML QR; the masked PDF; STORE_ORIGINALS."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pymupdf
import pytest
import segno
from PIL import Image, ImageDraw, ImageFont

from ocr_core import crypto, files, masks
from ocr_core.record import corrections, pages, repository, trail
from ocr_core.store import connect
from ocr_core.intake import process_upload
from ocr_core.models import Line, Page

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
AADHAAR = "498712345605"  # tests/fixtures/truth.txt (Verhoeff-valid)
VID = "9134567890123456"


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def letter(number_text: str = "4987 1234 5605", vid_text: str = "9134 5678 9012 3456") -> Image.Image:
    """An e-Aadhaar-letter-like A4 page at 150 dpi (another layout and font than the card)."""
    im = Image.new("RGB", (1240, 1754), (255, 255, 255))
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, 30)
    y = 140
    for t in ("Unique Identification Authority of India", "Enrolment No.: 0987/60321/07770",
              "To", "Priya Sharma", "D/O Ramesh Sharma, 12 MG Road, Kothrud", "Pune, Maharashtra 411038"):
        d.text((120, y), t, fill=(0, 0, 0), font=f)
        y += 60
    d.text((120, y + 120), f"Your Aadhaar No. : {number_text}", fill=(0, 0, 0), font=ImageFont.truetype(BOLD, 40))
    d.text((120, y + 200), f"VID : {vid_text}", fill=(0, 0, 0), font=f)
    d.text((120, y + 300), "Aadhaar is proof of identity, not of citizenship.", fill=(0, 0, 0), font=f)
    return im


def _read_back(engine, im: Image.Image) -> str:
    return re.sub(r"\s", "", " ".join(ln.text for ln in engine.recognize(np.asarray(im.convert("RGB")))))


def assert_masked(engine, im: Image.Image, numbers: list[str]) -> None:
    text = _read_back(engine, im)
    for n in numbers:
        hidden = n[:-4]
        leaked = [hidden[i:i + 4] for i in range(0, len(hidden), 4) if hidden[i:i + 4] in text]
        assert not leaked, f"digits of {n[-4:]} readable on the masked image: {leaked} in {text!r}"
        assert n[-4:] in text, f"the last 4 digits {n[-4:]} are not readable: {text!r}"


# ---------------------------------------------------------------- spans
def test_number_spans_find_aadhaar_and_vid_with_ocr_confusions():
    t = "VID : 9134 5678 9012 3456"
    (first, end, vis), = masks.number_spans(t)
    assert t[first:end] == "9134 5678 9012" and t[vis:] == "3456"
    (first, end, vis), = masks.number_spans("Aadhaar No: 4987 I234 56O5")
    assert "Aadhaar No: 4987 I234 56O5"[vis:] == "56O5"
    assert masks.number_spans("Phone 98765 43210, PIN 411038") == []  # 10 and 6 digits: not masked


# ---------------------------------------------------------------- read back by OCR
def test_card_masked_last4_readable(settings, engine, fixtures_dir):
    data = (fixtures_dir / "aadhaar_card.png").read_bytes()
    res = process_upload(data, "card.png", settings=settings)
    im = Image.open(io.BytesIO(pages.document_page_png(res.file_hash, 1)))
    assert im.size == (res.pages[0].width, res.pages[0].height)
    assert_masked(engine, im, [AADHAAR])
    # the box covers the digits, not the whole line: the name above is untouched
    assert "PriyaSharma" in _read_back(engine, im)


def test_letter_and_its_pdf_page_masked(settings, engine):
    im = letter()
    res = process_upload(_png(im), "letter.png", settings=settings)
    assert {i.type for i in res.ids} >= {"AADHAAR"}
    assert_masked(engine, Image.open(io.BytesIO(pages.document_page_png(res.file_hash, 1))), [AADHAAR, VID])
    # the same letter as a born-digital PDF (text layer, no OCR): the rendered page is masked
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), "Unique Identification Authority of India", fontsize=14)
    page.insert_text((60, 200), "Your Aadhaar No. : 4987 1234 5605", fontsize=20)
    page.insert_text((60, 260), "VID : 9134 5678 9012 3456", fontsize=14)
    pdf = process_upload(doc.tobytes(), "eaadhaar.pdf", settings=settings)
    assert pdf.pages[0].source == "text_layer"
    masked = Image.open(io.BytesIO(pages.document_page_png(pdf.file_hash, 1)))
    assert_masked(engine, masked, [AADHAAR, VID])
    # the masked copy as PDF: image-only pages, no text layer that could carry the number
    out = pymupdf.open(stream=pages.document_masked_pdf(pdf.file_hash), filetype="pdf")
    assert out.page_count == 1 and out[0].get_text().strip() == "" and out[0].get_images()
    assert AADHAAR.encode() not in pages.document_masked_pdf(pdf.file_hash)
    pix = out[0].get_pixmap(dpi=150)
    assert_masked(engine, Image.frombytes("RGB", (pix.width, pix.height), pix.samples), [AADHAAR, VID])


def test_turned_page_is_masked_upright(settings, engine, fixtures_dir):
    card = Image.open(fixtures_dir / "aadhaar_card.png").convert("RGB").rotate(90, expand=True)
    res = process_upload(_png(card), "turned.png", settings=settings)
    assert res.pages[0].rotation in (90, 270)
    im = Image.open(io.BytesIO(pages.document_page_png(res.file_hash, 1)))
    assert im.width > im.height  # shown upright, as the boxes see it
    assert_masked(engine, im, [AADHAAR])


def test_number_added_by_an_operator_with_a_box(settings, engine):
    """Dots between the groups: the OCR reads the number but no Aadhaar is found, so nothing is
    masked until an operator adds it with its box (as region re-OCR does)."""
    im = letter(number_text="4987.1234.5605", vid_text="none")
    res = process_upload(_png(im), "dots.png", settings=settings)
    assert not [i for i in res.ids if i.type == "AADHAAR"]
    line = next(ln for ln in res.pages[0].lines if "4987" in ln.text)
    corrections.add_id(res.file_hash, "AADHAAR", AADHAAR, "asha", page=1, box=line.box, reason="region re-OCR")
    assert_masked(engine, Image.open(io.BytesIO(pages.document_page_png(res.file_hash, 1))), [AADHAAR])
    # the masked copy kept at rest (STORE_ORIGINALS=false) is masked again too
    assert_masked(engine, Image.open(io.BytesIO(files.get_masked(res.file_hash, 1))), [AADHAAR])


def test_box_without_text_is_split_at_its_ink_gaps(engine):
    im = Image.new("RGB", (700, 160), "white")
    ImageDraw.Draw(im).text((40, 50), "4987 1234 5605", fill="black", font=ImageFont.truetype(BOLD, 44))
    box = [[30.0, 40.0], [460.0, 40.0], [460.0, 110.0], [30.0, 110.0]]
    from ocr_core.models import DetectedID

    page = Page(1, 700, 160, "ocr", lines=[])
    masked = masks.mask_page(np.asarray(im), page, [DetectedID("AADHAAR", AADHAAR, True, 1.0, 1, box)])
    assert_masked(engine, masked, [AADHAAR])


def test_old_xml_qr_is_covered(engine):
    xml = ('<?xml version="1.0" encoding="UTF-8"?><PrintLetterBarcodeData uid="498712345605" name="Priya Sharma" '
           'gender="F" yob="1992" pc="411038"/>')
    q = segno.make_qr(xml, error="m")
    buf = io.BytesIO()
    q.save(buf, kind="png", scale=4, border=4)
    im = Image.new("RGB", (900, 500), "white")
    im.paste(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), (500, 40))
    from ocr_core.aadhaar_qr import find_codes

    assert [c.kind for c in find_codes(np.asarray(im))] == ["xml"]
    masked = masks.mask_page(np.asarray(im), Page(1, 900, 500, "ocr", lines=[]), [])
    assert find_codes(np.asarray(masked)) == []


# ---------------------------------------------------------------- STORE_ORIGINALS
def _all_bytes(root: Path) -> list[bytes]:
    return [p.read_bytes() for p in root.rglob("*") if p.is_file()]


def test_store_originals_false_keeps_no_original_bytes(settings, engine, fixtures_dir):
    assert settings.store_originals is False  # the default
    data = (fixtures_dir / "aadhaar_card.png").read_bytes()
    res = process_upload(data, "card.png", settings=settings)
    assert files.get(res.file_hash) is None and files.get_masked(res.file_hash, 1)
    chunk = data[len(data) // 2:len(data) // 2 + 48]  # a piece of the compressed image data
    fern = crypto.fernet()
    for blob in _all_bytes(files.files_dir()):
        plain = fern.decrypt(blob)
        assert plain != data and chunk not in plain and chunk not in blob
    db_dir = Path(settings.db_path).parent
    for p in db_dir.glob(Path(settings.db_path).name + "*"):  # the database, its WAL and SHM
        assert chunk not in p.read_bytes()
    # the desk and the API still have the (masked) page; the original is gone for everyone
    assert pages.document_page_png(res.file_hash, 1)
    from ocr_core.auth import Identity

    with pytest.raises(LookupError, match="STORE_ORIGINALS"):  # not even for an admin
        pages.unmask_page(res.file_hash, 1, Identity("asha", "admin", "password"))
    assert repository.load(res.file_hash, connect()) is not None


def test_store_originals_true_keeps_the_original_encrypted_and_unmask_is_audited(settings, engine, fixtures_dir,
                                                                                monkeypatch):
    from ocr_core.config import get_settings

    monkeypatch.setenv("STORE_ORIGINALS", "true")
    monkeypatch.setenv("UNMASK_ALLOWED", "asha")
    get_settings.cache_clear()
    s = get_settings()
    data = (fixtures_dir / "aadhaar_card.png").read_bytes()
    res = process_upload(data, "card.png", settings=s)
    assert files.get(res.file_hash) == data
    with pytest.raises(PermissionError):
        pages.unmask_page(res.file_hash, 1, "ravi")
    orig = pages.unmask_page(res.file_hash, 1, "asha")
    assert "498712345605" in _read_back(engine, orig)
    actions = [a["action"] for a in trail.audit_rows(res.file_hash)]
    assert "unmask_image" in actions and "unmask_image_denied" in actions


# ---------------------------------------------------------------- the verification pass (maskcheck)
def _card_image(number_text: str) -> Image.Image:
    im = Image.new("RGB", (640, 400), (246, 244, 238))
    d = ImageDraw.Draw(im)
    for y, t, px in ((30, "Government of India", 26), (90, "Kavita Rao", 24), (250, number_text, 32)):
        d.text((32, y), t, fill=(20, 20, 30), font=ImageFont.truetype(BOLD, px))
    return im


def test_check_masks_by_its_box_a_number_the_masking_missed(engine, caplog):
    """An image masked from lines that miss the number (here: none at all) is read again: the
    number is found, masked by its box, the last 4 digits left readable; the log says so without
    the number."""
    from ocr_core import maskcheck

    number = "947203185647"
    im = _card_image("9472 0318 5647")
    with caplog.at_level("WARNING"):
        got = maskcheck.check(im, where="test/1")
    assert got.withheld is None and got.remasked == 1
    assert_masked(engine, got.image, [number])
    assert "Kavita" in _read_back(engine, got.image)  # only the number is covered
    assert any(getattr(r, "event", "") == "mask_check_remasked" for r in caplog.records)
    assert number not in caplog.text and "9472" not in caplog.text
    clean = maskcheck.check(got.image)  # a clean page passes as it is
    assert clean.remasked == 0 and clean.image is got.image


def test_check_withholds_a_page_whose_number_stays_readable(engine, monkeypatch, caplog):
    """A mask that does not take (simulated: `_mask_found` returns the image unchanged; a real
    mask by box that fails to cover cannot be produced on demand) withholds the page: a
    placeholder that says why, a log line without the number."""
    from ocr_core import maskcheck

    monkeypatch.setattr(maskcheck, "_mask_found", lambda image, found: image)
    with caplog.at_level("WARNING"):
        got = maskcheck.check(_card_image("9472 0318 5647"), where="test/1")
    assert got.withheld and got.image.size == (640, 400)
    said = _read_back(engine, got.image)
    assert "withheld" in said.lower() and "9472" not in said
    assert any(getattr(r, "event", "") == "mask_check_withheld" for r in caplog.records)
    assert "947203185647" not in caplog.text


def test_served_pages_are_checked_once_per_version(settings, engine, monkeypatch):
    """The check runs at intake and again only when what the page is masked from changes (an ID
    added with a box); cached hits of the page image and the masked PDF are not read again."""
    from ocr_core import maskcheck

    reads = []
    real = maskcheck.fast_read
    monkeypatch.setattr(maskcheck, "fast_read", lambda image: reads.append(1) or real(image))  # counts, reads
    res = process_upload(_png(letter(number_text="4987.1234.5605", vid_text="none")), "dots.png", settings=settings)
    at_intake = len(reads)
    assert at_intake >= 1
    png1 = pages.document_page_png(res.file_hash, 1)
    pages.document_masked_pdf(res.file_hash)
    assert pages.document_page_png(res.file_hash, 1) == png1 and len(reads) == at_intake
    line = next(ln for ln in res.pages[0].lines if "4987" in ln.text)
    corrections.add_id(res.file_hash, "AADHAAR", AADHAAR, "asha", page=1, box=line.box, reason="region re-OCR")
    after_add = len(reads)
    assert after_add > at_intake  # the kept copy masked again, and checked
    pages.document_page_png(res.file_hash, 1)
    assert len(reads) == after_add
    assert_masked(engine, Image.open(io.BytesIO(pages.document_page_png(res.file_hash, 1))), [AADHAAR])


def test_card_under_an_invisible_text_layer_is_masked_by_the_check(settings, engine):
    """A picture of a card with an unrelated invisible text laid over all of it: the text layer
    "covers" it, so it is not OCR'd and no ID is found; the page image and the masked PDF are
    still read again before they are kept and served, and the number is masked there."""
    number = "947203185647"
    buf = io.BytesIO()
    _card_image("9472 0318 5647").save(buf, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), "KYC document copy - self attested", fontsize=14)
    page.insert_image(pymupdf.Rect(60, 110, 380, 310), stream=buf.getvalue())
    for y in range(118, 310, 9):  # invisible filler over every part of the card
        page.insert_text((60, y), "lorem ipsum dolor sit amet consectetur adipiscing elit sed do", fontsize=9,
                         render_mode=3)
    res = process_upload(doc.tobytes(), "covered.pdf", settings=settings)
    assert res.pages[0].source == "text_layer" and not [i for i in res.ids if i.type == "AADHAAR"]
    assert_masked(engine, Image.open(io.BytesIO(pages.document_page_png(res.file_hash, 1))), [number])
    out = pymupdf.open(stream=pages.document_masked_pdf(res.file_hash), filetype="pdf")
    pix = out[0].get_pixmap(dpi=150)
    assert_masked(engine, Image.frombytes("RGB", (pix.width, pix.height), pix.samples), [number])
