"""Documents in: type from the bytes, limits enforced, pages out (images to OCR or text-layer lines).

Every unreadable, truncated, encrypted, empty or oversized input raises a typed `InputError`
whose message a user understands.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from PIL import Image, ImageOps, ImageSequence

from .config import Settings, get_settings
from .engines.base import quad_from_rect
from .errors import (CorruptFileError, EmptyFileError, FileTooLargeError, ImageTooLargeError,
                     PasswordRequiredError, TooManyPagesError, UnsupportedFileTypeError, WrongPasswordError)
from .models import Line
from .pictures import Region, page_regions
from .textnorm import normalize


@dataclass(frozen=True)
class FileType:
    """One supported kind of file: how its first bytes look, its media type, its file extensions."""

    kind: str  # what `sniff` returns
    label: str  # as users name it
    media_type: str
    extensions: tuple[str, ...]  # without the dot, lower case
    magic: Callable[[bytes], bool]


# The one list of supported file types: the desk's uploaders, the API, the batch folder walker and
# the error messages are derived from it. Checked in this order (PDF last: its marker may come late).
FILE_TYPES: tuple[FileType, ...] = (
    FileType("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg"), lambda d: d.startswith(b"\xff\xd8\xff")),
    FileType("png", "PNG", "image/png", ("png",), lambda d: d.startswith(b"\x89PNG\r\n\x1a\n")),
    FileType("tiff", "TIFF", "image/tiff", ("tif", "tiff"), lambda d: d[:4] in (b"II*\x00", b"MM\x00*")),
    FileType("webp", "WebP", "image/webp", ("webp",), lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP"),
    FileType("bmp", "BMP", "image/bmp", ("bmp",), lambda d: d[:2] == b"BM"),
    FileType("pdf", "PDF", "application/pdf", ("pdf",), lambda d: b"%PDF-" in d[:1024]),
)
MEDIA_TYPES = {t.kind: t.media_type for t in FILE_TYPES}
EXTENSIONS: tuple[str, ...] = tuple(e for t in FILE_TYPES for e in t.extensions)  # for file pickers
_IMAGES = [t.label for t in FILE_TYPES if t.kind != "pdf"]
SUPPORTED = ", ".join(_IMAGES[:-1]) + f" and {_IMAGES[-1]} images, and PDF"  # what the messages name
MIN_TEXT_LAYER_CHARS = 20  # fewer letters/digits than this on a PDF page: OCR it instead
@dataclass
class PageInput:
    number: int  # 1-based
    width: int
    height: int
    image: np.ndarray | None = None  # RGB uint8, when the page needs OCR
    text_lines: list[Line] | None = None  # when the page has a usable text layer
    regions: list[Region] | None = None  # pictures on a text-layer page that its text does not cover


def sniff(data: bytes) -> str:
    """The file's kind from its first bytes (never from its name)."""
    for t in FILE_TYPES:
        if t.magic(data):
            return t.kind
    head = data[:16]
    stripped = data[:512].lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml")):
        what = "an SVG/XML or HTML document"
    elif head[:2] == b"PK":
        what = "a ZIP archive (submit it as a batch of documents)"
    elif head.startswith(b"GIF8"):
        what = "a GIF image"
    else:
        what = "not an image or PDF"
    raise UnsupportedFileTypeError(f"Unsupported file: its content is {what}. Supported: {SUPPORTED}.")


def check_size(data: bytes, settings: Settings) -> None:
    if not data:
        raise EmptyFileError("The file is empty (0 bytes).")
    if len(data) > settings.max_file_bytes:
        size, limit = f"{len(data) / 1e6:.1f} MB", f"{settings.max_file_bytes / 1e6:.1f} MB"
        if size == limit:  # just over: say it in bytes
            size, limit = f"{len(data)} bytes", f"{settings.max_file_bytes} bytes"
        raise FileTooLargeError(f"The file is {size}; the limit is {limit}.")


def unlock_pdf(data: bytes, password: str | None) -> bytes:
    """The PDF without its password (decrypted in memory), or the bytes as they are when they are not
    a protected PDF. The password is used only here: never logged, stored or put in a message."""
    if not data or sniff_or_none(data) != "pdf":
        return data
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception:  # a corrupt PDF: the loader says so later
        return data
    try:
        if not doc.needs_pass:
            return data
        if not password:
            raise PasswordRequiredError("The PDF is password-protected: give its password (for an e-Aadhaar: "
                                        "the first four letters of the name in capitals and the year of birth).")
        if not doc.authenticate(password):
            raise WrongPasswordError("The password of this PDF is wrong.")
        return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_NONE, garbage=1, no_new_id=True)
    finally:
        doc.close()


def sniff_or_none(data: bytes) -> str | None:
    try:
        return sniff(data)
    except UnsupportedFileTypeError:
        return None


def load_pages(data: bytes, settings: Settings | None = None) -> tuple[str, Iterator[PageInput]]:
    """Validate the file and return (kind, pages). Header-level problems raise here; page-level
    ones (a truncated image body) raise while iterating."""
    settings = settings or get_settings()
    check_size(data, settings)
    kind = sniff(data)
    if kind == "pdf":
        return kind, _pdf_pages(_open_pdf(data, settings), settings)
    im = _open_image(data)
    _check_image(im, settings)  # page count and first page size now, not when the pages are read
    return kind, _image_pages(im, settings)


# ---------------------------------------------------------------- images
def _open_image(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise ImageTooLargeError(f"The image is too large to process safely ({e}).") from e
    except Exception as e:
        raise CorruptFileError(f"The image cannot be read: it is corrupt or truncated ({e}).") from e


ORIENTATION = 0x0112  # the EXIF tag a phone's camera turns the picture by


def _to_rgb(im: Image.Image) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr8 = ((arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)).astype(np.uint8)
        im = Image.fromarray(arr8, "L")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im)
    return np.asarray(im if im.mode == "RGB" else im.convert("RGB"))


def _n_frames(im: Image.Image) -> int:
    try:
        return int(getattr(im, "n_frames", 1))
    except Exception as e:  # a damaged frame chain (TIFF IFDs, APNG)
        raise CorruptFileError(f"The image cannot be read: its pages are damaged ({e}).") from e


def _check_frame(i: int, w: int, h: int, settings: Settings) -> None:
    if w * h > settings.max_page_pixels:
        raise ImageTooLargeError(f"Page {i} is {w}x{h} pixels ({w * h / 1e6:.0f} MP); the limit is "
                                 f"{settings.max_page_pixels / 1e6:.0f} MP.")
    if w < 2 or h < 2:
        raise CorruptFileError(f"Page {i} is only {w}x{h} pixels: nothing to read.")


def _check_image(im: Image.Image, settings: Settings) -> None:
    n_frames = _n_frames(im)
    if n_frames > settings.max_pages:
        raise TooManyPagesError(f"The image has {n_frames} pages; the limit is {settings.max_pages}.")
    _check_frame(1, *im.size, settings)


def _image_pages(im: Image.Image, settings: Settings) -> Iterator[PageInput]:
    n_frames = _n_frames(im)
    if n_frames > settings.max_pages:
        raise TooManyPagesError(f"The image has {n_frames} pages; the limit is {settings.max_pages}.")
    for i, frame in enumerate(ImageSequence.Iterator(im), start=1):
        _check_frame(i, *frame.size, settings)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                frame.load()
                if i > 1:
                    upright = frame.copy()
                elif frame.getexif().get(ORIENTATION, 1) != 1:
                    upright = ImageOps.exif_transpose(frame)
                else:  # upright already: no copy of the page (an A4 page is 6 MB)
                    upright = frame
                rgb = _to_rgb(upright)
        except Exception as e:
            raise CorruptFileError(f"Page {i} cannot be decoded: the file is corrupt or truncated ({e}).") from e
        yield PageInput(number=i, width=rgb.shape[1], height=rgb.shape[0], image=rgb)


# ---------------------------------------------------------------- PDFs
def _open_pdf(data: bytes, settings: Settings):
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as e:
        raise CorruptFileError(f"The PDF cannot be opened: it is corrupt or truncated ({e}).") from e
    if doc.needs_pass:
        doc.close()
        raise PasswordRequiredError("The PDF is password-protected: give its password (for an e-Aadhaar: the "
                                    "first four letters of the name in capitals and the year of birth).")
    if doc.page_count == 0:
        doc.close()
        raise CorruptFileError("The PDF has no readable pages.")
    if doc.page_count > settings.max_pages:
        n = doc.page_count
        doc.close()
        raise TooManyPagesError(f"The PDF has {n} pages; the limit is {settings.max_pages}.")
    return doc


def _fit_dpi(rect, dpi: int, max_pixels: int) -> float:
    w_in, h_in = rect.width / 72.0, rect.height / 72.0
    if w_in <= 0 or h_in <= 0:
        return float(dpi)
    max_dpi = (max_pixels / (w_in * h_in)) ** 0.5
    return float(min(dpi, max_dpi))


def _text_layer_lines(page, scale: float) -> list[Line]:
    words = page.get_text("words", sort=True)
    rows: dict[tuple[int, int], list] = {}
    for w in words:
        rows.setdefault((w[5], w[6]), []).append(w)
    lines = []
    for ws in rows.values():
        text = normalize(" ".join(w[4] for w in ws)).strip()
        if not text:
            continue
        x0, y0 = min(w[0] for w in ws) * scale, min(w[1] for w in ws) * scale
        x1, y1 = max(w[2] for w in ws) * scale, max(w[3] for w in ws) * scale
        lines.append(Line(text=text, box=quad_from_rect(x0, y0, x1, y1), confidence=1.0))
    return lines


def _usable(lines: list[Line]) -> bool:
    text = "".join(ln.text for ln in lines)
    good = sum(c.isascii() and c.isalnum() for c in text)
    bad = text.count("\ufffd")
    return good >= MIN_TEXT_LAYER_CHARS and bad <= good * 0.05


def _pdf_pages(doc, settings: Settings) -> Iterator[PageInput]:
    import pymupdf

    try:
        for i, page in enumerate(doc, start=1):
            try:
                dpi = _fit_dpi(page.rect, settings.ocr_dpi, settings.max_page_pixels)
                scale = dpi / 72.0
                w, h = int(round(page.rect.width * scale)), int(round(page.rect.height * scale))
                lines = _text_layer_lines(page, scale)
                if _usable(lines):
                    yield PageInput(number=i, width=w, height=h, text_lines=lines,
                                    regions=page_regions(page, scale, settings))
                    continue
                pix = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), colorspace="rgb", alpha=False)
                img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy()
                yield PageInput(number=i, width=pix.width, height=pix.height, image=img)
            except (ImageTooLargeError, TooManyPagesError):
                raise
            except Exception as e:
                raise CorruptFileError(f"Page {i} of the PDF cannot be read ({e}).") from e
    finally:
        doc.close()


def render_page(data: bytes, page_number: int, dpi: int | None = None,
                settings: Settings | None = None) -> np.ndarray:
    """RGB image of one page (1-based) as the result's boxes see it (for display and region re-OCR)."""
    settings = settings or get_settings()
    kind = sniff(data)
    if kind == "pdf":
        import pymupdf

        doc = _open_pdf(data, settings)
        try:
            page = doc[page_number - 1]
            d = _fit_dpi(page.rect, dpi or settings.ocr_dpi, settings.max_page_pixels) / 72.0
            pix = page.get_pixmap(matrix=pymupdf.Matrix(d, d), colorspace="rgb", alpha=False)
            return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy()
        finally:
            doc.close()
    for p in _image_pages(_open_image(data), settings):
        if p.number == page_number:
            assert p.image is not None
            return p.image
    raise IndexError(f"no page {page_number}")
