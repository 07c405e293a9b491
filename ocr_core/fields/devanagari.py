"""Devanagari lines: the Latin recogniser reads them as junk ("HGA SHR FAaR"); Tesseract's Hindi
model (Debian `tesseract-ocr-hin`) reads the cropped line instead.

Only lines the recogniser was unsure of, right above a Latin name (where an Aadhaar prints the
name in Devanagari, the one Devanagari field), are tried, all crops of a page stacked into one image for
one Tesseract call. Tesseract runs in-process through tesserocr (its own libtesseract, the system's
`hin.traineddata`): the model is loaded once per process instead of once per page by a `tesseract`
subprocess, which made this step 3-4x slower than the read itself. A crop is taken as Devanagari when Tesseract reads it confidently and mostly in
Devanagari; its text and confidence then replace the junk. Without the Hindi model, or for a line
that does not read as Devanagari, the line is left as it was.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from functools import lru_cache

import numpy as np

from ..logs import log
from ..models import Line
from .values import is_devanagari, looks_like_name

SUSPECT_CONFIDENCE = 0.90  # PP-OCR confidence under which a line may be Devanagari read as Latin
MIN_TESS_CONFIDENCE = 70.0  # Tesseract's mean word confidence (0-100) to trust a Hindi reading
MIN_WORD_CONFIDENCE = 50.0
LINE_HEIGHT = 40  # crops are scaled to this height (px) before stacking
GAP = 24


@lru_cache(maxsize=1)
def tessdata() -> str | None:
    """The folder holding `hin.traineddata`: TESSDATA_PREFIX, else where the Debian `tesseract`
    looks (`tesseract --list-langs` names it); None without the Hindi model."""
    env = os.environ.get("TESSDATA_PREFIX")
    if env:
        return env if os.path.exists(os.path.join(env, "hin.traineddata")) else None
    if not shutil.which("tesseract"):
        return None
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout + out.stderr
    m = re.search(r'"([^"]+)"', text)
    return m.group(1) if m and "hin" in text.split() else None


def hindi_available() -> bool:
    return tessdata() is not None


class _Hindi:
    """One tesserocr API with the Hindi model per process, behind a lock (an API is not
    thread-safe; a page's read takes about 0.1 s)."""

    _lock = threading.Lock()
    _api = None
    _pid = 0

    @classmethod
    def words(cls, sheet) -> list[tuple[str, int, int, float]]:
        """(text, top, left, confidence 0-100) of each word Tesseract reads in the sheet
        (page segmentation 6: one uniform block of text)."""
        from tesserocr import PSM, RIL, PyTessBaseAPI, iterate_level

        with cls._lock:
            if cls._api is None or cls._pid != os.getpid():  # a forked worker makes its own
                cls._api = PyTessBaseAPI(path=tessdata(), lang="hin", psm=PSM.SINGLE_BLOCK)
                cls._pid = os.getpid()
            api = cls._api
            try:
                api.SetImage(sheet)
                api.Recognize()
                out = []
                for r in iterate_level(api.GetIterator(), RIL.WORD):
                    try:
                        text = r.GetUTF8Text(RIL.WORD)
                    except RuntimeError:  # tesserocr's word with no text (a sheet read as blank)
                        continue
                    if text and text.strip():
                        x0, y0, _, _ = r.BoundingBox(RIL.WORD)
                        out.append((text.strip(), y0, x0, float(r.Confidence(RIL.WORD))))
                return out
            finally:
                api.Clear()


def _suspect(ln: Line) -> bool:
    if ln.confidence < SUSPECT_CONFIDENCE:
        return not is_devanagari(ln.text)
    xs, ys = [p[0] for p in ln.box], [p[1] for p in ln.box]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    # far fewer characters than the box holds: the recogniser dropped most of the glyphs
    return h > 0 and len(ln.text.strip()) < 0.25 * w / h and not is_devanagari(ln.text)


def _bounds(ln: Line) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in ln.box], [p[1] for p in ln.box]
    return min(xs), min(ys), max(xs), max(ys)


def _names(lines: list[Line]) -> list[Line]:
    """The lines that read like a Latin name (not a short all-capitals word)."""
    return [ln for ln in lines if looks_like_name(ln.text) and not (ln.text.upper() == ln.text and len(ln.text) < 4)]


def _above(o: Line, ln: Line) -> bool:
    """Whether o sits right above ln (its foot within 1.8 of ln's heights above ln's top) and
    overlaps it across."""
    x0, y0, x1, y1 = _bounds(ln)
    b = _bounds(o)
    h = y1 - y0
    return o is not ln and y0 - 1.8 * h <= b[3] <= y0 + 0.3 * h and min(b[2], x1) - max(b[0], x0) > 0


def _probes(lines: list[Line], names: list[Line]) -> list[Line]:
    """Empty boxes above a Latin name with nothing detected there: cards print the name in
    Devanagari right above it, and the detector sometimes misses that line."""
    out = []
    for ln in names:
        x0, y0, x1, y1 = _bounds(ln)
        h = y1 - y0
        if not any(_above(o, ln) for o in lines) and y0 - 1.4 * h >= 0:
            out.append(Line("", [[x0, y0 - 1.4 * h], [x1, y0 - 1.4 * h], [x1, y0 - 0.1 * h], [x0, y0 - 0.1 * h]], 0.0))
    return out


def _crop(image: np.ndarray, ln: Line):
    from PIL import Image

    x0, y0, x1, y1 = _bounds(ln)
    pad = 0.2 * (y1 - y0)
    H, W = image.shape[:2]
    box = (max(0, int(x0 - pad)), max(0, int(y0 - pad)), min(W, int(x1 + pad)), min(H, int(y1 + pad)))
    if box[2] - box[0] < 4 or box[3] - box[1] < 4:
        return None
    im = Image.fromarray(image).crop(box).convert("L")
    scale = LINE_HEIGHT / im.height
    im = im.resize((max(1, int(im.width * scale)), LINE_HEIGHT))
    return Image.fromarray(_binarize(np.asarray(im)))


def _binarize(a: np.ndarray) -> np.ndarray:
    """Otsu's threshold per crop (the stacked crops differ in background), dark text on white."""
    hist = np.bincount(a.ravel(), minlength=256).astype(float)
    total, cum, cum_mean = a.size, np.cumsum(hist), np.cumsum(hist * np.arange(256))
    w0 = cum / total
    w1 = 1 - w0
    m0 = cum_mean / np.maximum(cum, 1)
    m1 = (cum_mean[-1] - cum_mean) / np.maximum(total - cum, 1)
    t = int(np.argmax(w0 * w1 * (m0 - m1) ** 2))
    out = np.where(a > t, 255, 0).astype(np.uint8)
    if (out == 0).mean() > 0.5:  # light text on a dark band
        out = 255 - out
    return out


def read_devanagari(lines: list[Line], image: np.ndarray | None) -> list[Line]:
    """The page's lines with the Devanagari junk right above a Latin name replaced by Tesseract Hindi
    readings."""
    if image is None or not lines or not hindi_available():
        return lines
    names = _names(lines)
    probes = _probes(lines, names)
    lines = list(lines) + probes  # a probe that does not read as Devanagari is dropped below
    # the Devanagari field (an Aadhaar's name_hi) is printed right above the Latin name: only the
    # junk there is read (the sheet's size sets Tesseract's time)
    idx = [i for i, ln in enumerate(lines) if ln in probes or _suspect(ln) and any(_above(ln, n) for n in names)]
    crops = [(i, c) for i in idx if (c := _crop(image, lines[i])) is not None]
    if not crops:
        return lines[:len(lines) - len(probes)]
    from PIL import Image

    width = max(c.width for _, c in crops) + 2 * GAP
    sheet = Image.new("L", (width, GAP + len(crops) * (LINE_HEIGHT + GAP)), 255)
    spans = []
    for k, (i, c) in enumerate(crops):
        top = GAP + k * (LINE_HEIGHT + GAP)
        sheet.paste(c, (GAP, top))
        spans.append((i, top))
    try:
        read = _Hindi.words(sheet)
    except (RuntimeError, OSError, ImportError) as e:
        log.warning("devanagari read failed", extra={"event": "devanagari_error", "error": type(e).__name__})
        return lines[:len(lines) - len(probes)]
    words: dict[int, list[tuple[int, str, float]]] = {}
    for t, top, left, conf in read:
        if conf < 0:
            continue
        for i, stop in spans:
            if stop - GAP / 2 <= top < stop + LINE_HEIGHT:
                words.setdefault(i, []).append((left, t, conf))
                break
    out = list(lines)
    for i, ws in words.items():
        ws.sort()
        text = " ".join(w for _, w, _ in ws)
        conf = sum(c for _, _, c in ws) / len(ws)
        # every word read with some confidence: a bilingual line ("पुरुष / MALE") reads its Latin
        # half as junk, and then the recogniser's reading stays
        if conf >= MIN_TESS_CONFIDENCE and min(c for _, _, c in ws) >= MIN_WORD_CONFIDENCE \
                and is_devanagari(text, 0.8):
            out[i] = Line(text=text, box=lines[i].box, confidence=conf / 100.0)
    return [ln for ln in out if ln.text]  # probes that read nothing go
