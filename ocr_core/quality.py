"""The quality gate: is a page good enough to trust what was read from it?

Measured on the page image before OCR:
- blur: variance of the Laplacian of the grey page scaled to `BLUR_SIDE` pixels on its longest side
  (a sharp card or page scores in the hundreds and more; a blurred one tens);
- glare: share of the page that is saturated (every channel at least `GLARE_LEVEL`) on a page whose
  background is not white (on white paper saturation is the paper);
and after OCR:
- resolution: median text-line height in pixels of the page image (the detector's boxes);
- confidence: mean recognition confidence weighted by characters.
A page below a threshold gets a reason ("blurred", "glare", "too small", "low confidence"); the
document's `quality` is `{ok, reasons}` over its pages. Quality never refuses a document: it is
shown on the desk and in the exports so that a person looks again.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .models import Line, Page

BLUR_SIDE = 1000
BLUR_MIN = 60.0  # variance of the Laplacian below this: blurred
GLARE_LEVEL = 250
GLARE_MAX = 0.04  # share of saturated pixels above this (on a tinted page): glare
WHITE_PAGE = 235  # median grey level at or above this: white paper, glare not measured
TEXT_HEIGHT_MIN = 12.0  # median line height in pixels below this: too small to read reliably
CONFIDENCE_MIN = 0.80


def image_measures(image: np.ndarray) -> dict[str, float]:
    """Blur and glare of an RGB page image (before OCR)."""
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    f = BLUR_SIDE / max(h, w)
    small = cv2.resize(grey, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA if f < 1
                       else cv2.INTER_LINEAR)
    blur = float(cv2.Laplacian(small, cv2.CV_64F).var())
    median = float(np.median(grey))
    saturated = float((image.min(axis=2) >= GLARE_LEVEL).mean()) if median < WHITE_PAGE else 0.0
    return {"blur": round(blur, 1), "glare": round(saturated, 4), "background": round(median, 1)}


def line_measures(lines: list[Line]) -> dict[str, float | None]:
    heights = sorted(max(p[1] for p in ln.box) - min(p[1] for p in ln.box) for ln in lines if len(ln.text) >= 3)
    n = sum(len(ln.text) for ln in lines)
    return {"text_height": round(float(np.median(heights)), 1) if heights else None,
            "confidence": round(sum(ln.confidence * len(ln.text) for ln in lines) / n, 4) if n else None}


def page_reasons(m: dict[str, Any]) -> list[str]:
    reasons = []
    if m.get("blur") is not None and m["blur"] < BLUR_MIN:
        reasons.append("blurred")
    if m.get("glare") is not None and m["glare"] > GLARE_MAX:
        reasons.append("glare")
    if m.get("text_height") is not None and m["text_height"] < TEXT_HEIGHT_MIN:
        reasons.append("too small")
    if m.get("confidence") is not None and m["confidence"] < CONFIDENCE_MIN:
        reasons.append("low confidence")
    return reasons


def assess(pages: list[Page]) -> dict[str, Any]:
    """Completes each OCR'd page's `quality` (image measures were put there before OCR) and returns
    the document's: {ok, reasons} (reasons over all pages, each once, in a fixed order)."""
    found: list[str] = []
    for pg in pages:
        if pg.source != "ocr":
            continue
        m = {**pg.quality, **line_measures(pg.lines)}
        m["reasons"] = page_reasons(m)
        m["ok"] = not m["reasons"]
        pg.quality = m
        found += m["reasons"]
    order = ["blurred", "glare", "too small", "low confidence"]
    reasons = [r for r in order if r in found]
    return {"ok": not reasons, "reasons": reasons}
