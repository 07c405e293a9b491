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

from ocr_core import crypto, documents, files, redact, review
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
    (first, end, vis), = redact.number_spans(t)
    assert t[first:end] == "9134 5678 9012" and t[vis:] == "3456"
    (first, end, vis), = redact.number_spans("Aadhaar No: 4987 I234 56O5")
    assert "Aadhaar No: 4987 I234 56O5"[vis:] == "56O5"
    assert redact.number_spans("Phone 98765 43210, PIN 411038") == []  # 10 and 6 digits: not masked


# ---------------------------------------------------------------- read back by OCR
def test_card_masked_last4_readable(settings, engine, fixtures_dir):
    data = (fixtures_dir / "aadhaar_card.png").read_bytes()
    res = process_upload(data, "card.png", settings=settings)
    im = Image.open(io.BytesIO(redact.document_page_png(res.file_hash, 1)))
    assert im.size == (res.pages[0].width, res.pages[0].height)
    assert_masked(engine, im, [AADHAAR])
    # the box covers the digits, not the whole line: the name above is untouched
    assert "PriyaSharma" in _read_back(engine, im)


def test_letter_and_its_pdf_page_masked(settings, engine):
    im = letter()
    res = process_upload(_png(im), "letter.png", settings=settings)
    assert {i.type for i in res.ids} >= {"AADHAAR"}
    assert_masked(engine, Image.open(io.BytesIO(redact.document_page_png(res.file_hash, 1))), [AADHAAR, VID])
    # the same letter as a born-digital PDF (text layer, no OCR): the rendered page is masked
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), "Unique Identification Authority of India", fontsize=14)
    page.insert_text((60, 200), "Your Aadhaar No. : 4987 1234 5605", fontsize=20)
    page.insert_text((60, 260), "VID : 9134 5678 9012 3456", fontsize=14)
    pdf = process_upload(doc.tobytes(), "eaadhaar.pdf", settings=settings)
    assert pdf.pages[0].source == "text_layer"
    masked = Image.open(io.BytesIO(redact.document_page_png(pdf.file_hash, 1)))
    assert_masked(engine, masked, [AADHAAR, VID])
    # the masked copy as PDF: image-only pages, no text layer that could carry the number
    out = pymupdf.open(stream=redact.document_masked_pdf(pdf.file_hash), filetype="pdf")
    assert out.page_count == 1 and out[0].get_text().strip() == "" and out[0].get_images()
    assert AADHAAR.encode() not in redact.document_masked_pdf(pdf.file_hash)
    pix = out[0].get_pixmap(dpi=150)
    assert_masked(engine, Image.frombytes("RGB", (pix.width, pix.height), pix.samples), [AADHAAR, VID])


def test_turned_page_is_masked_upright(settings, engine, fixtures_dir):
    card = Image.open(fixtures_dir / "aadhaar_card.png").convert("RGB").rotate(90, expand=True)
    res = process_upload(_png(card), "turned.png", settings=settings)
    assert res.pages[0].rotation in (90, 270)
    im = Image.open(io.BytesIO(redact.document_page_png(res.file_hash, 1)))
    assert im.width > im.height  # shown upright, as the boxes see it
    assert_masked(engine, im, [AADHAAR])


def test_number_added_by_an_operator_with_a_box(settings, engine):
    """Dots between the groups: the OCR reads the number but no Aadhaar is found, so nothing is
    masked until an operator adds it with its box (as region re-OCR does)."""
    im = letter(number_text="4987.1234.5605", vid_text="none")
    res = process_upload(_png(im), "dots.png", settings=settings)
    assert not [i for i in res.ids if i.type == "AADHAAR"]
    line = next(ln for ln in res.pages[0].lines if "4987" in ln.text)
    review.add_id(res.file_hash, "AADHAAR", AADHAAR, "asha", page=1, box=line.box, reason="region re-OCR")
    assert_masked(engine, Image.open(io.BytesIO(redact.document_page_png(res.file_hash, 1))), [AADHAAR])
    # the masked copy kept at rest (STORE_ORIGINALS=false) is masked again too
    assert_masked(engine, Image.open(io.BytesIO(files.get_masked(res.file_hash, 1))), [AADHAAR])


def test_box_without_text_is_split_at_its_ink_gaps(engine):
    im = Image.new("RGB", (700, 160), "white")
    ImageDraw.Draw(im).text((40, 50), "4987 1234 5605", fill="black", font=ImageFont.truetype(BOLD, 44))
    box = [[30.0, 40.0], [460.0, 40.0], [460.0, 110.0], [30.0, 110.0]]
    from ocr_core.models import DetectedID

    page = Page(1, 700, 160, "ocr", lines=[])
    masked = redact.mask_page(np.asarray(im), page, [DetectedID("AADHAAR", AADHAAR, True, 1.0, 1, box)])
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
    masked = redact.mask_page(np.asarray(im), Page(1, 900, 500, "ocr", lines=[]), [])
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
    assert redact.document_page_png(res.file_hash, 1)
    from ocr_core.auth import Identity

    with pytest.raises(LookupError, match="STORE_ORIGINALS"):  # not even for an admin
        redact.unmask_page(res.file_hash, 1, Identity("asha", "admin", "password"))
    assert documents.load(res.file_hash) is not None


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
        redact.unmask_page(res.file_hash, 1, "ravi")
    orig = redact.unmask_page(res.file_hash, 1, "asha")
    assert "498712345605" in _read_back(engine, orig)
    actions = [a["action"] for a in review.audit_rows(res.file_hash)]
    assert "unmask_image" in actions and "unmask_image_denied" in actions
