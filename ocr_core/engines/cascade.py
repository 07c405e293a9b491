"""``cascade``: PP-OCRv6 tiny reads the page, PP-OCRv6 small re-reads only what matters and is in doubt.

- Detection and the first reading: faster-paddle (PyPI, MIT; Rust + ONNX Runtime) with its
  bundled PP-OCRv6 tiny models, nothing downloaded. The detector input is sized per page: cards
  and other small images are detected at CARD_DET_LIMIT px on the longest side, larger pages at
  OCR_DET_LIMIT_SIDE, never upscaled.
- What is re-read (`rereads`), all in one recogniser call batched in width buckets: MRZ-like lines
  when the page holds no valid MRZ; lines holding an ID candidate that fails validation, an
  ID-like token that makes no ID, or an ID whose checksum is weak (PAN, DL, passport number,
  UDYAM, EPIC) read with less than ID_CONFIDENT; low-confidence lines that look like field values.
- The second reading: the PP-OCRv6 small recogniser of the ``paddleocr`` engine (the rapidocr
  wheel's weights, output layer cut to Latin for ``en``) on onnxruntime. faster-paddle returns
  axis-aligned boxes only: on a skewed or keystoned page the crop of a long line is rectified
  first (the line's slant measured in its crop, the rotated box solved from the axis-aligned one,
  then a perspective warp, as PaddleOCR crops).
- The small reading replaces the tiny one, except where the tiny one made a valid ID that the
  small one loses (checked on the whole page, so an MRZ pair counts).
"""
from __future__ import annotations

import math
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
LOW_CONFIDENCE = 0.9  # a value-like line the tiny model reads below this is re-read
ID_CONFIDENT = 0.99  # a weak-checksum ID read at least this sure is kept
STRONG_CHECKSUM = frozenset({"AADHAAR", "VID", "GSTIN", "MRZ", "AADHAAR_MASKED"})
MIN_SLANT = math.radians(0.8)  # below this a line crop is taken axis-aligned
ID_MARGIN = 0.08  # a line that may hold an ID is also read with this margin (of its height, every side):
# faster-paddle's boxes are tight (unclip 1.4, PaddleOCR 1.5) and the gaps between digit groups
# read differently with a little margin; the reading that makes the valid ID is kept
POLICY = "p7"  # part of the version: bump when what is re-read, or how, changes
MRZ_CONFIDENT = 0.95  # MRZ line 1 has no check digit: re-read below this even when line 2 validates
# look-alikes of the MRZ filler '<' in the tiny model's dictionary (seen: Λ ^ ∧ «)
_CHEVRONS = str.maketrans({c: "<" for c in "Λλ^∧«‹〈＜く∠"})
_MIXED = re.compile(r"(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,}")  # letters and digits: PAN, EPIC ...
_GROUP = re.compile(r"(?<![\d/.-])\d{4}(?![\d/.-])")  # a group of an Aadhaar, VID or card number
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
ID_DIGITS = 7  # a line with this many digits (dates aside) may hold an ID (a PIN code has 6)


def id_like(text: str) -> bool:
    """Whether a line may hold an ID the extractor did not find in the tiny reading (a missed
    space, a glued label, a misread letter)."""
    t = _DATE.sub(" ", text.upper())
    return bool(_MIXED.search(t) or _GROUP.search(t)) or sum(c.isdigit() for c in t) >= ID_DIGITS


def mrz_like(text: str) -> bool:
    t = text.upper().replace(" ", "")
    return len(t) >= 30 and t.count("<") >= 2


def clean_mrz(text: str) -> str:
    """An MRZ-like tiny reading with the filler look-alikes (Λ, «) put back as '<'."""
    t = text.translate(_CHEVRONS)
    return t.replace(" ", "") if mrz_like(t) else text


def _value_like(text: str) -> bool:
    """Printed like a field value: Latin capitals and digits (a name, a date), not a label."""
    ascii_alnum = sum(c.isascii() and c.isalnum() for c in text)
    return (ascii_alnum >= 3 and sum(c.isascii() for c in text) >= 0.8 * len(text)
            and not any("a" <= c <= "z" for c in text))


def reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom, and left to right within 10 px (PaddleOCR's order of boxes)."""
    out = sorted(lines, key=lambda ln: (ln.box[0][1], ln.box[0][0]))
    for i in range(len(out) - 1):
        for j in range(i, -1, -1):
            a, b = out[j], out[j + 1]
            if abs(b.box[0][1] - a.box[0][1]) < 10 and b.box[0][0] < a.box[0][0]:
                out[j], out[j + 1] = b, a
            else:
                break
    return out


def _centre(box) -> tuple[float, float]:
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _inside(pt: tuple[float, float], box) -> bool:
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    return min(xs) - 1 <= pt[0] <= max(xs) + 1 and min(ys) - 1 <= pt[1] <= max(ys) + 1


def rereads(lines: list[Line]) -> dict[int, str]:
    """The lines of a page (tiny readings) the small model re-reads: index -> reason."""
    from ..ids import extract_ids

    ids = extract_ids([(1, lines)])
    valid_mrz = any(i.type == "MRZ" and i.valid for i in ids)
    out: dict[int, str] = {}
    for k, ln in enumerate(lines):
        c = _centre(ln.box)
        mine = [i for i in ids if i.box is not None and _inside(c, i.box)]
        if mrz_like(ln.text):
            if not valid_mrz or ln.confidence < MRZ_CONFIDENT:
                out[k] = "mrz"
            continue
        if any(not i.valid for i in mine):
            out[k] = "invalid-id"
        elif any(i.type not in STRONG_CHECKSUM for i in mine) and ln.confidence < ID_CONFIDENT:
            out[k] = "weak-id"
        elif not mine and id_like(ln.text):
            out[k] = "id-like"
        elif mine and ln.confidence < LOW_CONFIDENCE:
            out[k] = "id-low"
        elif not mine and ln.confidence < LOW_CONFIDENCE and _value_like(ln.text):
            out[k] = "low"
    return out


def _valid_ids(lines: list[Line]) -> set[tuple[str, str]]:
    from ..ids import extract_ids

    return {(i.type, i.value) for i in extract_ids([(1, lines)]) if i.valid}


def merge(tiny: list[Line], small: dict[int, list[Line]]) -> list[Line]:
    """The first small reading of each re-read line in place of the tiny one; then, line by line,
    another reading (the tiny one, another small one) where it makes the page's valid IDs a
    strict superset (an MRZ pair, a number the first reading split wrongly)."""
    out = list(tiny)
    for k, alts in small.items():
        out[k] = alts[0]
    have = _valid_ids(out)
    for k, alts in small.items():
        for ln in [tiny[k], *alts[1:]]:
            alt = list(out)
            alt[k] = ln
            got = _valid_ids(alt)
            if got > have:
                out, have = alt, got
    return out


def slant(gray: np.ndarray) -> float:
    """The slant (radians, clockwise positive) of the text in a line crop: the dark pixels'
    mean height in vertical strips, fitted with a straight line."""
    h, w = gray.shape
    if w < 3 * h or h < 8:
        return 0.0
    thr = gray.mean() - 0.5 * gray.std()
    ink = gray < thr
    strips = 12
    xs, ys, ws = [], [], []
    rows = np.arange(h, dtype=np.float64)[:, None]
    for s in range(strips):
        a, b = s * w // strips, (s + 1) * w // strips
        m = ink[:, a:b]
        n = m.sum()
        if n < 0.02 * m.size:
            continue
        xs.append((a + b) / 2)
        ys.append(float((rows * m).sum() / n))
        ws.append(float(n))
    if len(xs) < 4:
        return 0.0
    slope = np.polyfit(np.array(xs), np.array(ys), 1, w=np.sqrt(np.array(ws)))[0]
    return float(math.atan(slope))


def rectified_quad(box, theta: float) -> list[list[float]] | None:
    """The rotated box (angle theta) whose axis-aligned bounds are box; None where it does not fit."""
    (x0, y0), (x1, y1) = box[0], box[2]
    W, H = x1 - x0, y1 - y0
    c, s = math.cos(theta), abs(math.sin(theta))
    det = c * c - s * s
    if det <= 0.5:
        return None
    w, h = (W * c - H * s) / det, (H * c - W * s) / det
    if h < 0.25 * H or w <= 0:
        return None
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    u = (math.cos(theta) * w / 2, math.sin(theta) * w / 2)
    n = (-math.sin(theta) * h / 2, math.cos(theta) * h / 2)
    return [[cx - u[0] - n[0], cy - u[1] - n[1]], [cx + u[0] - n[0], cy + u[1] - n[1]],
            [cx + u[0] + n[0], cy + u[1] + n[1]], [cx - u[0] + n[0], cy - u[1] + n[1]]]


def _clip(box, shape) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0, y0 = max(0, int(box[0][0])), max(0, int(box[0][1]))
    x1, y1 = min(w, int(round(box[2][0])) + 1), min(h, int(round(box[2][1])) + 1)
    return x0, y0, x1, y1


def _overlaps(a, b) -> bool:
    return a[0][0] < b[2][0] and b[0][0] < a[2][0] and a[0][1] < b[2][1] and b[0][1] < a[2][1]


def slants(gray: np.ndarray, lines: list[Line], which: list[int]) -> dict[int, float]:
    """The slant of each line in `which`: the page's, the width-weighted median of the slants
    measured on the long lines whose crop holds that line alone (one line's own measure is too
    noisy: on an upright page a line with descenders can measure a degree)."""
    alone: dict[int, float] = {}
    for k, ln in enumerate(lines):
        if any(_overlaps(ln.box, o.box) for j, o in enumerate(lines) if j != k):
            continue
        x0, y0, x1, y1 = _clip(ln.box, gray.shape)
        if x1 - x0 >= 4 * (y1 - y0) > 0:
            alone[k] = slant(gray[y0:y1, x0:x1])
    page = 0.0
    if alone:
        ks = sorted(alone, key=lambda k: alone[k])
        wts = [lines[k].box[2][0] - lines[k].box[0][0] for k in ks]
        half, run = sum(wts) / 2, 0.0
        for k, wt in zip(ks, wts):
            run += wt
            if run >= half:
                page = alone[k]
                break
    return {k: page for k in which}


def line_crop(bgr: np.ndarray, box, theta: float = 0.0, margin: float = 0.0) -> tuple[np.ndarray, list[list[float]]]:
    """The crop of a line for the recogniser (rectified when it slants by theta, widened by
    margin times its height on every side) and its box."""
    import cv2

    m = margin * (box[2][1] - box[0][1])
    box = [[box[0][0] - m, box[0][1] - m], [box[2][0] + m, box[0][1] - m],
           [box[2][0] + m, box[2][1] + m], [box[0][0] - m, box[2][1] + m]]
    x0, y0, x1, y1 = _clip(box, bgr.shape)
    crop = bgr[y0:y1, x0:x1]
    quad = rectified_quad(box, theta) if abs(theta) >= MIN_SLANT else None
    if quad is None:
        return np.ascontiguousarray(crop), box
    q = np.array(quad, dtype=np.float32)
    cw = int(round(np.linalg.norm(q[1] - q[0])))
    ch = int(round(np.linalg.norm(q[3] - q[0])))
    m = cv2.getPerspectiveTransform(q, np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], dtype=np.float32))
    out = cv2.warpPerspective(bgr, m, (max(cw, 1), max(ch, 1)), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_REPLICATE)
    return out, quad


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
        self.stats: dict[str, int] = {"pages": 0, "lines": 0, "reread": 0}
        self.timings = {"detect": 0.0, "recognise": 0.0}  # seconds: the tiny pass, the small re-reads

    def detect_and_read(self, image: np.ndarray) -> list[Line]:
        """The tiny pass alone (MRZ-like readings with their fillers put back)."""
        eng = self._card if max(image.shape[:2]) <= CARD_MAX_SIDE else self._page
        out = eng.ocr(_encode(image))
        lines = []
        for b in out["bounds"].values():
            (x0, y0), (x1, y1) = b["topLeftCoord"], b["bottomRightCoord"]
            text = clean_mrz((b["text"] or "").strip())
            lines.append(Line(text=text, box=quad_from_rect(x0, y0, x1, y1), confidence=float(b["confidence"])))
        return reading_order(lines)

    def recognize(self, image: np.ndarray) -> list[Line]:
        t0 = time.perf_counter()
        lines = self.detect_and_read(image)
        t1 = time.perf_counter()
        doubt = rereads(lines)
        if doubt:
            import cv2

            bgr = np.ascontiguousarray(image[:, :, ::-1])
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            theta = slants(gray, lines, list(doubt))
            jobs = [(k, m) for k, why in doubt.items() for m in ((0.0, ID_MARGIN) if why != "low" else (0.0,))]
            crops, boxes = [], []
            for k, m in jobs:
                crop, box = line_crop(bgr, lines[k].box, theta[k], m)
                crops.append(crop)
                boxes.append(lines[k].box if m else box)
            small: dict[int, list[Line]] = {}
            for (k, _), box, (text, conf) in zip(jobs, boxes, self._small.read(crops)):
                small.setdefault(k, []).append(Line(text=clean_mrz(text.strip()), box=box, confidence=conf))
            lines = merge(lines, small)
        self.timings["detect"] += t1 - t0
        self.timings["recognise"] += time.perf_counter() - t1
        self.stats["pages"] += 1
        self.stats["lines"] += len(lines)
        self.stats["reread"] += len(doubt)
        for why in doubt.values():
            self.stats[why] = self.stats.get(why, 0) + 1
        return [ln for ln in lines if ln.text]


def cascade_version(lang: str) -> str:
    from importlib.metadata import version

    from . import model_dirs

    s = get_settings()
    return (f"cascade/faster-paddle-{version('faster-paddle')}-tiny/det{s.ocr_det_limit_side}"
            f"-card{min(CARD_DET_LIMIT, s.ocr_det_limit_side)}/{POLICY}-l{LOW_CONFIDENCE}-i{ID_CONFIDENT}"
            f"+{model_dirs.model_version()}/{lang}")


@register_engine("cascade", cascade_version)
def _make(lang: str) -> CascadeEngine:
    return CascadeEngine(lang)
