"""The work a document asks for, measured before any page is decoded or rendered: its pages and
their pixels, from the headers (Pillow opens images lazily and seeks frame headers; PyMuPDF gives
page rectangles without rendering them).

MAX_DOCUMENT_PIXELS bounds one document (`check_document`, a `DocumentTooLargeError`); the API
bounds each caller's pixels per minute with the same measure (USER_PIXELS_PER_MINUTE,
`ocr_api.limits`). A file this cannot measure (corrupt, wrong password) is left to the loader,
which says what is wrong with it."""
from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from PIL import Image

from .config import Settings, get_settings
from .errors import DocumentTooLargeError
from .loader import sniff_or_none


@dataclass(frozen=True)
class Work:
    pages: int
    pixels: int  # summed over the pages, as they would be decoded (images) or rendered (PDFs)

    @property
    def megapixels(self) -> int:
        """Whole megapixels, rounded up (what the per-caller budget counts)."""
        return max(1, math.ceil(self.pixels / 1e6))


def measure(data: bytes, settings: Settings | None = None, password: str | None = None) -> Work | None:
    """The document's pages and pixels from its headers, or None when they cannot be read here (or
    there are more pages than MAX_PAGES: the loader refuses those with its own message)."""
    settings = settings or get_settings()
    kind = sniff_or_none(data) if 0 < len(data) <= settings.max_file_bytes else None  # else the loader refuses it
    if kind is None:
        return None
    try:
        return _pdf(data, settings, password) if kind == "pdf" else _image(data, settings)
    except Exception:  # noqa: BLE001 - a damaged file: the loader raises its typed error for it
        return None


def _image(data: bytes, settings: Settings) -> Work | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as im:  # reads the header only
            n = int(getattr(im, "n_frames", 1))
            if n > settings.max_pages:
                return None
            pixels = 0
            for i in range(n):
                if i:
                    im.seek(i)  # the frame's header (a TIFF directory), not its pixels
                w, h = im.size
                pixels += w * h
    return Work(n, pixels)


def _pdf(data: bytes, settings: Settings, password: str | None) -> Work | None:
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    doc = pymupdf.open(stream=data, filetype="pdf")
    try:
        if doc.needs_pass and not (password and doc.authenticate(password)):
            return None
        if doc.page_count > settings.max_pages:
            return None
        pixels = 0
        for i in range(doc.page_count):
            r = doc[i].rect
            # rendered at OCR_DPI, or lower to fit MAX_PAGE_PIXELS (as the loader does)
            at_dpi = (r.width / 72.0 * settings.ocr_dpi) * (r.height / 72.0 * settings.ocr_dpi)
            pixels += int(min(max(at_dpi, 0.0), settings.max_page_pixels))
        return Work(doc.page_count, pixels)
    finally:
        doc.close()


def check_document(data: bytes, settings: Settings | None = None, password: str | None = None) -> Work | None:
    """The document's work (`measure`); a `DocumentTooLargeError` when its pixels exceed
    MAX_DOCUMENT_PIXELS. Nothing is decoded or rendered."""
    settings = settings or get_settings()
    work = measure(data, settings, password)
    if work is not None and work.pixels > settings.max_document_pixels:
        raise DocumentTooLargeError(
            f"The document has {work.pages} page{'s' if work.pages != 1 else ''} of {work.pixels / 1e6:.0f} "
            f"megapixels in all; the limit is {settings.max_document_pixels / 1e6:.0f} megapixels per document. "
            "Send fewer pages, or pages scanned at a lower resolution.")
    return work
