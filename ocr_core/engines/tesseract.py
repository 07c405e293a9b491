"""Tesseract 5 (Debian `tesseract-ocr`) through pytesseract, with the same line shape."""
from __future__ import annotations

import shutil
import subprocess
import threading
from functools import lru_cache

import numpy as np

from ..errors import EngineError
from ..models import Line
from .base import quad_from_rect, register_engine

_LANGS = {"en": "eng", "hi": "hin", "ch": "chi_sim"}


class TesseractEngine:
    name = "tesseract"

    def __init__(self, lang: str = "en") -> None:
        import pytesseract

        if not shutil.which("tesseract"):
            raise EngineError("the tesseract engine needs the Debian package tesseract-ocr")
        self._pt = pytesseract
        self.lang = _LANGS.get(lang, lang)
        self.version = tesseract_version(lang)
        self._sem = threading.Semaphore(2)

    def recognize(self, image: np.ndarray) -> list[Line]:
        with self._sem:
            data = self._pt.image_to_data(image, lang=self.lang, config="--psm 3",
                                          output_type=self._pt.Output.DICT)
        rows: dict[tuple[int, int, int], list[int]] = {}
        for i, word in enumerate(data["text"]):
            if word and word.strip() and float(data["conf"][i]) >= 0:
                rows.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
        lines: list[Line] = []
        for idx in rows.values():
            x0 = min(data["left"][i] for i in idx)
            y0 = min(data["top"][i] for i in idx)
            x1 = max(data["left"][i] + data["width"][i] for i in idx)
            y1 = max(data["top"][i] + data["height"][i] for i in idx)
            text = " ".join(data["text"][i].strip() for i in idx)
            conf = sum(float(data["conf"][i]) for i in idx) / len(idx) / 100.0
            lines.append(Line(text=text, box=quad_from_rect(x0, y0, x1, y1), confidence=conf))
        return lines


@lru_cache(maxsize=8)
def tesseract_version(lang: str) -> str:
    try:
        ver = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    except OSError:
        ver = "tesseract-missing"
    return f"{ver.strip().replace(' ', '-')}/{_LANGS.get(lang, lang)}/psm3"


@register_engine("tesseract", tesseract_version)
def _make(lang: str) -> TesseractEngine:
    return TesseractEngine(lang)
