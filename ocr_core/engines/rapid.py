"""rapidocr with its own defaults: the baseline the benchmark compares against."""
from __future__ import annotations

import logging
import threading

import numpy as np

from ..models import Line
from .base import register_engine


class RapidOCREngine:
    name = "rapidocr"

    def __init__(self, lang: str = "en") -> None:
        from rapidocr import RapidOCR

        self._ocr = RapidOCR()
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        self.version = rapid_version(lang)
        self._lock = threading.Lock()

    def recognize(self, image: np.ndarray) -> list[Line]:
        with self._lock:
            out = self._ocr(np.ascontiguousarray(image[:, :, ::-1]))
        if out.boxes is None:
            return []
        return [Line(text=t, box=[[float(x), float(y)] for x, y in b], confidence=float(s))
                for t, s, b in zip(out.txts, out.scores, out.boxes) if t and t.strip()]


def rapid_version(lang: str) -> str:
    from importlib.metadata import version

    return f"rapidocr-{version('rapidocr')}/defaults"


@register_engine("rapidocr", rapid_version)
def _make(lang: str) -> RapidOCREngine:
    return RapidOCREngine(lang)
