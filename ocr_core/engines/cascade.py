"""``cascade``: PP-OCRv6 tiny reads the page, PP-OCRv6 small re-reads only the lines in doubt.

- Detection and the first reading: faster-paddle (PyPI, MIT; Rust + ONNX Runtime) with its
  bundled PP-OCRv6 tiny models, nothing downloaded. The detector input is sized per page: cards
  and other small images are detected at CARD_DET_LIMIT px on the longest side, larger pages at
  OCR_DET_LIMIT_SIDE, never upscaled.
- The second reading: the PP-OCRv6 small recogniser of the ``paddleocr`` engine (the rapidocr
  wheel's weights, output layer cut to Latin for ``en``) on onnxruntime, batched in width buckets,
  for the lines that matter and are in doubt (`in_doubt`): a low-confidence line, a line holding
  an ID candidate that fails validation, a line with an ID-like token.
"""
from __future__ import annotations

import re
import time
from typing import Any

import numpy as np

from ..config import get_settings
from ..errors import EngineError
from ..models import Line
from .base import quad_from_rect, register_engine

CARD_MAX_SIDE = 1100
CARD_DET_LIMIT = 736
CONFIDENT = 0.95  # tiny readings at or above this are kept unless they hold an ID in doubt
_IDISH = re.compile(r"[A-Z0-9]*\d[A-Z0-9]*[A-Z][A-Z0-9]*|[A-Z0-9]*[A-Z][A-Z0-9]*\d[A-Z0-9]*|\d{4}")


def in_doubt(line: Line) -> bool:
    """Whether the tiny model's reading of a line should be checked by the small model."""
    if line.confidence < CONFIDENT:
        return True
    from ..ids import extract_ids

    if any(not i.valid for i in extract_ids([(1, [line])])):
        return True
    return bool(_IDISH.search(line.text.upper()))


def _encode(image: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".bmp", np.ascontiguousarray(image[:, :, ::-1]))
    if not ok:  # pragma: no cover - cv2 always encodes uint8 BGR
        raise EngineError("could not encode the page for the cascade engine")
    return buf.tobytes()


class CascadeEngine:
    name = "cascade"

    def __init__(self, lang: str = "en") -> None:
        try:
            import faster_paddle
        except ImportError as e:  # pragma: no cover - dependency missing
            raise EngineError(f"faster-paddle is not installed: {e}") from e
        from . import model_dirs
        from .recogniser import LineRecogniser

        s = get_settings()
        self.lang = lang
        self.version = cascade_version(lang)
        self._card_limit = min(CARD_DET_LIMIT, s.ocr_det_limit_side)
        kw: dict[str, Any] = {"model_size": "tiny", "threads": s.ocr_threads, "det_min_side": 0}
        try:
            self._card = faster_paddle.OcrEngine(det_max_side=self._card_limit, **kw)
            self._page = faster_paddle.OcrEngine(det_max_side=s.ocr_det_limit_side, **kw)
        except Exception as e:
            raise EngineError(f"could not load the cascade engine: {e}") from e
        _, rec = model_dirs.build_model_dirs(s.ocr_cache_dir, s.ocr_det_limit_side, lang)
        chars = model_dirs.rec_chars(rec)
        self._small = LineRecogniser(rec / "inference.onnx", chars, threads=s.ocr_threads,
                                     min_width=model_dirs.REC_MIN_WIDTH)
        self.stats = {"lines": 0, "reread": 0}
        self.timings = {"detect": 0.0, "recognise": 0.0}  # seconds: the tiny pass, the small re-reads

    def detect_and_read(self, image: np.ndarray) -> list[Line]:
        """The tiny pass alone."""
        eng = self._card if max(image.shape[:2]) <= CARD_MAX_SIDE else self._page
        out = eng.ocr(_encode(image))
        lines = []
        for b in out["bounds"].values():
            (x0, y0), (x1, y1) = b["topLeftCoord"], b["bottomRightCoord"]
            text = (b["text"] or "").strip()
            lines.append(Line(text=text, box=quad_from_rect(x0, y0, x1, y1), confidence=float(b["confidence"])))
        return lines

    def recognize(self, image: np.ndarray) -> list[Line]:
        t0 = time.perf_counter()
        lines = self.detect_and_read(image)
        t1 = time.perf_counter()
        doubt = [i for i, ln in enumerate(lines) if in_doubt(ln)]
        if doubt:
            bgr = image[:, :, ::-1]
            h, w = image.shape[:2]
            crops = []
            for i in doubt:
                b = lines[i].box
                x0, y0 = max(0, int(b[0][0])), max(0, int(b[0][1]))
                x1, y1 = min(w, int(round(b[2][0])) + 1), min(h, int(round(b[2][1])) + 1)
                crops.append(np.ascontiguousarray(bgr[y0:y1, x0:x1]))
            for i, (text, conf) in zip(doubt, self._small.read(crops)):
                lines[i] = Line(text=text.strip(), box=lines[i].box, confidence=conf)
        self.timings["detect"] += t1 - t0
        self.timings["recognise"] += time.perf_counter() - t1
        self.stats["lines"] += len(lines)
        self.stats["reread"] += len(doubt)
        return [ln for ln in lines if ln.text]


def cascade_version(lang: str) -> str:
    from importlib.metadata import version

    from . import model_dirs

    s = get_settings()
    return (f"cascade/faster-paddle-{version('faster-paddle')}-tiny/det{s.ocr_det_limit_side}"
            f"-card{min(CARD_DET_LIMIT, s.ocr_det_limit_side)}/c{CONFIDENT}"
            f"+{model_dirs.model_version()}/{lang}")


@register_engine("cascade", cascade_version)
def _make(lang: str) -> CascadeEngine:
    return CascadeEngine(lang)
