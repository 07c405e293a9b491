"""Pictures on PDF pages that have a text layer: where the ink of the page's images is not covered
by its text spans (a typed header above a scanned card), the page must be OCR'd there too.

Found on a rendering at COVER_DPI: the ink on the images, less the padded boxes of every text span
(visible or invisible), clustered (REGION_JOIN_IN), padded for context and kept on the pictures.
A scan under a full invisible text layer (a "searchable PDF") leaves nothing or only what its
text misses (a photo, a stamp). A picture wholly under unrelated invisible text counts as
covered: the verification pass of the masked images (`maskcheck`) is the net for that.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Settings

COVER_DPI = 72
INK_LEVEL = 170  # grey below this is ink
SPAN_PAD = 0.35  # text span boxes padded by this share of their height (anti-aliased edges, accents)
REGION_JOIN_IN = 0.3  # uncovered ink this close (inches) is one region
REGION_PAD_PT = 24.0  # context around a region for the detector (a line half covered by text is read whole)
MIN_REGION_INK = 40  # fewer uncovered ink pixels at COVER_DPI than this (a dot, a rule): not text
MIN_IMAGE_PT = 8.0  # an image narrower or lower than this (points) holds no readable text
MAX_REGION_ZOOM = 2.0  # a region is rendered at up to this times OCR_DPI when its image is that sharp


@dataclass
class Region:
    """Part of a text-layer page to OCR: a picture the text layer does not cover. Its lines map
    to page pixels as ``x0 + x * scale``, ``y0 + y * scale``."""

    image: np.ndarray  # RGB uint8
    x0: float
    y0: float
    scale: float


def _image_rects(page) -> list[tuple[object, float]]:
    """(rect, pixels per point) of each picture drawn on the page, clipped to it."""
    import pymupdf

    out = []
    for info in page.get_image_info():
        r = pymupdf.Rect(info["bbox"]) & page.rect
        if r.is_empty or r.width < MIN_IMAGE_PT or r.height < MIN_IMAGE_PT:
            continue
        out.append((r, max(info.get("width", 0) / max(r.width, 1e-6), info.get("height", 0) / max(r.height, 1e-6))))
    return out


def uncovered_rects(page) -> list[tuple[object, float]]:
    """(rect in points, pixels per point of the sharpest picture under it) of each cluster of ink
    on the page's pictures that no text span covers: what only OCR can read. A page of pictures
    under an invisible text layer (a scan with its OCR) leaves only what that text missed (a
    photo, a stamp); a typed line above a picture of a card leaves the card."""
    import cv2
    import pymupdf

    images = _image_rects(page)
    if not images:
        return []
    z = COVER_DPI / 72.0
    pix = page.get_pixmap(matrix=pymupdf.Matrix(z, z), colorspace="gray", alpha=False)
    gray = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width)
    on_image = np.zeros(gray.shape, dtype=bool)
    for r, _ in images:
        on_image[int(r.y0 * z):int(np.ceil(r.y1 * z)), int(r.x0 * z):int(np.ceil(r.x1 * z))] = True
    ink = (gray < INK_LEVEL) & on_image
    for b in page.get_text("dict")["blocks"]:
        for ln in b.get("lines", ()):
            for sp in ln["spans"]:
                if not sp["text"].strip():
                    continue
                x0, y0, x1, y1 = sp["bbox"]
                pad = SPAN_PAD * (y1 - y0)
                ink[max(0, int((y0 - pad) * z)):int(np.ceil((y1 + pad) * z)),
                    max(0, int((x0 - pad) * z)):int(np.ceil((x1 + pad) * z))] = False
    if int(ink.sum()) < MIN_REGION_INK:
        return []
    k = max(3, int(REGION_JOIN_IN * COVER_DPI) | 1)
    joined = cv2.dilate(ink.astype(np.uint8), np.ones((k, k), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    rects = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if int(ink[y:y + h, x:x + w][labels[y:y + h, x:x + w] == i].sum()) < MIN_REGION_INK:
            continue
        r = pymupdf.Rect(x / z - REGION_PAD_PT, y / z - REGION_PAD_PT, (x + w) / z + REGION_PAD_PT,
                         (y + h) / z + REGION_PAD_PT)
        under = pymupdf.Rect()
        for ir, _ in images:  # on its pictures only (the text layer around them is read already)
            if ir.intersects(r):
                under |= ir
        rects.append(r & under)
    merged = True
    while merged:  # overlapping regions are read once, together
        merged = False
        for a in range(len(rects)):
            for b in range(a + 1, len(rects)):
                if rects[a].intersects(rects[b]):
                    rects[a] |= rects.pop(b)
                    merged = True
                    break
            if merged:
                break
    return [(r, max((ppp for ir, ppp in images if ir.intersects(r)), default=0.0)) for r in rects if not r.is_empty]


def page_regions(page, scale: float, settings: Settings) -> list[Region]:
    """The page's pictures that its text does not cover, rendered for OCR (OCR_DPI, up to
    MAX_REGION_ZOOM times that when the picture is sharper), mapped to page pixels at `scale`."""
    import pymupdf

    try:
        found = uncovered_rects(page)
    except Exception:  # pictures that cannot be measured: the whole page is read (safe, slower)
        found = [(page.rect, scale)]
    out = []
    for r, ppp in found:
        zoom = min(max(ppp, scale), MAX_REGION_ZOOM * scale)
        zoom = min(zoom, (settings.max_page_pixels / max(r.width * r.height, 1.0)) ** 0.5)
        pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=r, colorspace="rgb", alpha=False)
        img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy()
        # the pixmap starts at the clip's pixel-aligned corner
        out.append(Region(img, x0=pix.x / zoom * scale, y0=pix.y / zoom * scale, scale=scale / zoom))
    return out
