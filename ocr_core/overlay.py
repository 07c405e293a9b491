"""Page images for review: the page as the boxes see it, boxes drawn over it, region re-OCR.

Line boxes are coloured by confidence band; ID boxes are drawn thicker and labelled with their
type and validity (never the number itself).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import files
from .reread import engine as get_engine  # built with the documents' re-read policy
from .ids import extract_ids
from .loader import render_page
from .models import Box, DetectedID, DocumentResult, Line, Page
from .pipeline import rotate

HIGH, MEDIUM = 0.90, 0.75
BAND_COLOURS = {"high": (22, 163, 74), "medium": (217, 119, 6), "low": (220, 38, 38)}  # green, amber, red
ID_VALID, ID_INVALID = (37, 99, 235), (190, 24, 93)  # blue, magenta


def band(confidence: float) -> str:
    return "high" if confidence >= HIGH else "medium" if confidence >= MEDIUM else "low"


def page_image(data: bytes, page: Page) -> np.ndarray:
    """RGB image of the page in the pixel space of its boxes (turned upright when OCR turned it)."""
    img = render_page(data, page.number)
    return rotate(img, page.rotation) if page.rotation else img


def stored_page_image(file_hash: str, page: Page) -> np.ndarray:
    """The stored original's page, or (STORE_ORIGINALS=false) the masked copy kept at intake."""
    data = files.get(file_hash)
    if data is None:
        kept = files.get_masked(file_hash, page.number)
        if kept is None:
            raise LookupError("the original file of this document is no longer stored")
        import io

        return np.asarray(Image.open(io.BytesIO(kept)).convert("RGB"))
    return page_image(data, page)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # pragma: no cover - Pillow < 10.1
        return ImageFont.load_default()


def _pts(box: Box, s: float) -> list[tuple[float, float]]:
    return [(float(x) * s, float(y) * s) for x, y in box]


def draw_overlay(image: np.ndarray | Image.Image, page: Page, ids: list[DetectedID] | None = None, *,
                 show_lines: bool = True, show_ids: bool = True, max_side: int | None = 1400) -> Image.Image:
    """The page with its line boxes (colour by confidence band) and ID boxes (highlighted, labelled)."""
    im = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))
    im = im.convert("RGB")
    s = 1.0
    if max_side and max(im.size) > max_side:
        s = max_side / max(im.size)
        im = im.resize((round(im.width * s), round(im.height * s)), Image.Resampling.LANCZOS)
    layer = Image.new("RGBA", im.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    width = max(2, round(max(im.size) / 500))
    if show_lines:
        for ln in page.lines:
            c = BAND_COLOURS[band(ln.confidence)]
            draw.polygon(_pts(ln.box, s), outline=(*c, 255), fill=(*c, 40), width=width)
    if show_ids:
        font = _font(max(12, round(max(im.size) / 60)))
        for d in ids or []:
            if d.page != page.number or not d.box:
                continue
            c = ID_VALID if d.valid else ID_INVALID
            pts = _pts(d.box, s)
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            pad = width * 2
            rect = (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)
            draw.rectangle(rect, outline=(*c, 255), width=width * 2)
            label = d.type if d.valid else f"{d.type} (invalid)"
            tb = draw.textbbox((0, 0), label, font=font)
            tw, th = tb[2] - tb[0], tb[3] - tb[1]
            ty = rect[1] - th - 2 * width if rect[1] - th - 2 * width >= 0 else rect[3]
            draw.rectangle((rect[0], ty, rect[0] + tw + 2 * width, ty + th + 2 * width), fill=(*c, 230))
            draw.text((rect[0] + width - tb[0], ty + width - tb[1]), label, fill=(255, 255, 255, 255), font=font)
    return Image.alpha_composite(im.convert("RGBA"), layer).convert("RGB")


def render(result: DocumentResult, page_number: int = 1, data: bytes | None = None, **kw) -> Image.Image:
    """Render one page of a kept document with its boxes (the UI's one call for the page view)."""
    page = next(p for p in result.pages if p.number == page_number)
    img = page_image(data, page) if data is not None else stored_page_image(result.file_hash, page)
    return draw_overlay(img, page, result.ids, **kw)


# ---------------------------------------------------------------- region re-OCR
@dataclass
class Region:
    page: int
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1 in page pixels
    lines: list[Line]
    ids: list[DetectedID]


def read_region(result: DocumentResult, page_number: int, rect: tuple[float, float, float, float], *,
                engine: str = "paddleocr", lang: str = "en", data: bytes | None = None) -> Region:
    """OCR only a rectangle of one page; lines and IDs come back in page coordinates."""
    page = next(p for p in result.pages if p.number == page_number)
    img = page_image(data, page) if data is not None else stored_page_image(result.file_hash, page)
    h, w = img.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in rect)
    x0, x1 = sorted((max(0, min(w, x0)), max(0, min(w, x1))))
    y0, y1 = sorted((max(0, min(h, y0)), max(0, min(h, y1))))
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise ValueError("the region is too small: draw a rectangle around the text")
    pad = 6
    cx0, cy0 = max(0, x0 - pad), max(0, y0 - pad)
    crop = np.ascontiguousarray(img[cy0:min(h, y1 + pad), cx0:min(w, x1 + pad)])
    lines = [Line(ln.text, [[p[0] + cx0, p[1] + cy0] for p in ln.box], ln.confidence)
             for ln in get_engine(engine, lang).recognize(crop)]
    ids = extract_ids([(page_number, lines)])
    return Region(page=page_number, rect=(x0, y0, x1, y1), lines=lines, ids=ids)
