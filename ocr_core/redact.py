"""Aadhaar and VID numbers masked on the page images themselves (UIDAI: stored copies have the
first 8 digits "redacted/masked and irretrievable"; RBI KYC directions: the number redacted).

For every Aadhaar- or VID-shaped number (12 or 16 digits, OCR confusions such as O/0 or I/1
included) in a page's OCR lines, and for every AADHAAR/VID ID of the reviewed document (found by
region re-OCR or added by an operator with a box), an opaque box covers the first 8 (Aadhaar) or
12 (VID) digits and leaves the last 4 readable. The box is placed from the characters' positions:
the character span is found in the line's text, its x range estimated proportionally along the
line's (possibly slanted) box, and the boundary before the last 4 digits moved to the nearest gap
in the ink (the space between digit groups, or between two digits). An ID box with no line text
behind it is split at its ink gaps (the last group stays readable). Old cards' XML QR codes, which
hold the full number, are covered whole.

Pages are masked in the pixel space of their boxes: upright (a page that OCR turned is shown
turned) and, for PDFs, rendered at ``OCR_DPI``. `masked_pdf` builds the copy a bank files: image-only
pages, no text layer. Where the boxes go is `masks`; whether a masked page is safe to show,
`maskcheck`.
"""
from __future__ import annotations

import hashlib
import io
import json

import numpy as np
from PIL import Image

from . import files, maskcheck
from .config import Settings, get_settings
from .masks import mask_page
from .models import DocumentResult, Page
from .privacy import MASKED_TYPES

# ---------------------------------------------------------------- stored documents
def _page(result: DocumentResult, n: int) -> Page:
    for p in result.pages:
        if p.number == n:
            return p
    raise LookupError(f"the document has no page {n}")


def original_page_image(result: DocumentResult, n: int, data: bytes | None = None) -> np.ndarray | None:
    """The unmasked page image, or None when the original is not stored (STORE_ORIGINALS=false)."""
    from .overlay import page_image

    data = data if data is not None else files.get(result.file_hash)
    return None if data is None else page_image(data, _page(result, n))


def _mask_only(result: DocumentResult, n: int, data: bytes | None = None) -> Image.Image:
    """Page n masked (not yet verified): from the original when it is stored, else from the masked
    copy kept at intake."""
    page = _page(result, n)
    img = original_page_image(result, n, data)
    if img is not None:
        return mask_page(img, page, result.ids)
    kept = files.get_masked(result.file_hash, n)
    if kept is None:
        raise LookupError("no image of this page is stored")
    arr = np.asarray(Image.open(io.BytesIO(kept)).convert("RGB"))
    return mask_page(arr, page, result.ids, qr=False)  # XML QRs were covered at intake


STAMP_KEY = "ocr-review-mask"  # PNG text chunk of a kept masked page: what it was made from, checked or withheld


def page_stamp(result: DocumentResult, n: int) -> str:
    """What page n's masked image is made from: the page (as masked: sizes, rotation, lines and
    boxes), the type and box of each masked ID on it, and the check's version. No number in it."""
    page = _page(result, n).to_dict()
    ids = [(d.type, d.box) for d in result.ids if d.type in MASKED_TYPES and d.page == n]
    what = json.dumps({"page": page, "ids": ids, "check": maskcheck.VERSION}, sort_keys=True, default=str)
    return hashlib.sha256(what.encode()).hexdigest()[:32]


def _kept_checked(result: DocumentResult, n: int, stamp: str) -> maskcheck.Checked | None:
    kept = files.get_masked(result.file_hash, n)
    if kept is None:
        return None
    im = Image.open(io.BytesIO(kept))
    mark = (getattr(im, "text", None) or {}).get(STAMP_KEY, "")
    if mark.split(":")[0] != stamp:
        return None
    return maskcheck.Checked(im.convert("RGB"), withheld=maskcheck.WITHHELD if mark.endswith(":withheld") else None)


def checked_page(result: DocumentResult, n: int, data: bytes | None = None, *,
                 keep: bool | None = None) -> maskcheck.Checked:
    """Page n masked and verified (`maskcheck.check`: read again, no Aadhaar/VID may be readable,
    else masked by its box or the page withheld). A kept masked copy made from the same page and
    IDs (`page_stamp`) is served as it is, without a second check; one made otherwise is made
    again and checked. keep: keep the checked page as the document's masked copy (default: when
    something of the document is stored)."""
    stamp = page_stamp(result, n)
    hit = _kept_checked(result, n, stamp)
    if hit is not None:
        return hit
    got = maskcheck.check(_mask_only(result, n, data), where=f"{result.file_hash[:16]}/{n}")
    if keep if keep is not None else files.exists(result.file_hash):
        mark = f"{stamp}:{'withheld' if got.withheld else 'ok'}"
        files.put_masked(result.file_hash, n, png(got.image, mark))
    return got


def masked_page(result: DocumentResult, n: int, data: bytes | None = None) -> Image.Image:
    """Page n with every Aadhaar/VID masked, for the reviewed result (its IDs with corrections),
    verified (`checked_page`; a placeholder when withheld). From the original when it is stored,
    else from the masked copy kept at intake."""
    return checked_page(result, n, data).image


def png(im: Image.Image, mark: str | None = None) -> bytes:
    buf = io.BytesIO()
    info = None
    if mark:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text(STAMP_KEY, mark)
    im.save(buf, format="PNG", compress_level=1, pnginfo=info)  # fast; masked pages are kept encrypted
    return buf.getvalue()


def store_masked(result: DocumentResult, data: bytes, settings: Settings | None = None) -> int:
    """Keep the masked, verified image of every page (encrypted); returns the pages stored."""
    for p in result.pages:
        got = maskcheck.check(_mask_only(result, p.number, data), where=f"{result.file_hash[:16]}/{p.number}")
        mark = f"{page_stamp(result, p.number)}:{'withheld' if got.withheld else 'ok'}"
        files.put_masked(result.file_hash, p.number, png(got.image, mark), settings)
    return len(result.pages)


def masked_pdf(result: DocumentResult, data: bytes | None = None) -> bytes:
    """The whole document masked and verified, as a PDF of page images (no text layer, no metadata)."""
    import pymupdf

    dpi = get_settings().ocr_dpi
    doc = pymupdf.open()
    try:
        for p in result.pages:
            im = masked_page(result, p.number, data)
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=88)
            page = doc.new_page(width=im.width * 72 / dpi, height=im.height * 72 / dpi)
            page.insert_image(page.rect, stream=buf.getvalue())
        doc.set_metadata({})
        return doc.tobytes(garbage=3, deflate=True)
    finally:
        doc.close()
