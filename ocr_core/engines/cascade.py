"""``cascade``: PP-OCRv6 tiny reads the page, PP-OCRv6 small re-reads only what matters and is in doubt.

- Detection and the first reading: faster-paddle (PyPI, MIT; Rust + ONNX Runtime) with its
  bundled PP-OCRv6 tiny models, nothing downloaded. The detector input is sized per page: cards
  and other small images are detected at CARD_DET_LIMIT px on the longest side, larger pages at
  OCR_DET_LIMIT_SIDE, never upscaled.
- A slanted page is levelled first: faster-paddle returns axis-aligned boxes only, and on a page
  turned by a degree or more those of neighbouring lines overlap, so their readings mix and the
  layout of the fields is lost. The page's slant is measured before OCR (`skew_angle`, about
  20 ms); at DESKEW_MIN or more the page is turned level (`level`) and read, and the boxes are
  mapped back onto the page as it came (rotated quadrilaterals, as PaddleOCR gives).
- What is re-read (`rereads`), all in one recogniser call batched in width buckets: MRZ-like lines
  when the page holds no valid MRZ; lines holding an ID candidate that fails validation, an
  ID-like token that makes no ID, or an ID whose checksum is weak (PAN, DL, passport number,
  UDYAM, EPIC) read with less than ID_CONFIDENT; low-confidence lines that look like field values;
  the lines the named fields of the page's document type are read from (`field_rereads`), where
  tiny read them below FIELD_CONFIDENT (re-reading every field line would cost more than the tiny
  pass itself: the small recogniser takes about 0.1 ms per pixel of line width). Not re-read:
  a line that shows a Devanagari headline (`script.has_headline`: a Latin reading of it is junk
  either way) or holds a gender.
- How: a long line is read by the stretch that matters alone (`_parts`, `spans`): its ID-like
  tokens, or a field's value after its label, placed on the image by the characters' advance
  widths, widened to blank columns, and spliced back into the tiny reading; other lines whole;
  an unsure MRZ line 1 by its names.
- The second reading: the PP-OCRv6 small recogniser of the ``paddleocr`` engine (the rapidocr
  wheel's weights, output layer cut to Latin for ``en``) on onnxruntime.
- The small reading replaces the tiny one, except where the tiny one made a valid ID that the
  small one loses (checked on the whole page, so an MRZ pair counts). On a poor capture (the
  policy's `degraded`) the lines in doubt are read once more from enhanced crops (`enhance`).
- What matters on a page (its IDs and their validity, strong checksums, genders, the lines named
  fields come from) is the re-read policy's (`policy.RereadPolicy`), given by the pipeline
  (`ocr_core.reread`): this module knows OCR, not the documents.
"""
from __future__ import annotations

import math
import re
import time
from dataclasses import replace
from typing import Any

import numpy as np

from ..config import get_settings
from ..errors import EngineError
from ..models import Line
from .base import quad_from_rect, register_engine
from .enhance import enhanced_read
from .policy import FoundID, RereadPolicy
from .script import has_headline
from .skew import level, mapped, skew_angle
from .spans import blank_columns, id_like, id_spans, span_columns, splice, value_span

CARD_MAX_SIDE = 1100
CARD_DET_LIMIT = 640  # card text is large: at 640 the dev, tune and unseen cards lose no ID or field (736 before)
LOW_CONFIDENCE = 0.9  # a value-like line the tiny model reads below this is re-read
ID_CONFIDENT = 0.99  # a weak-checksum ID read at least this sure is kept
DESKEW_MIN = math.radians(0.8)  # a page whose text slants by this much is turned level before OCR
FIELD_CONFIDENT = 0.98  # a line a named field is read from, read by tiny below this, is re-read
WHOLE_LINE = frozenset({"low", "mrz", "mrz-unsure"})  # read whole; a long line that may hold an ID, or a
# field's, by its stretches (`_parts`)
SPAN_MIN_WIDTH = 8  # a line this many times as wide as high or more is read by its stretches alone,
SPAN_SHARE = 0.75  # unless they make up this share of its width or more
POLICY = "p21"  # part of the version: bump when what is re-read, or how, changes
MRZ_CONFIDENT = 0.95  # MRZ line 1 has no check digit: re-read below this even when line 2 validates
# look-alikes of the MRZ filler '<' in the tiny model's dictionary (seen: Λ ^ ∧ «)
_CHEVRONS = str.maketrans({c: "<" for c in "Λλ^∧«‹〈＜く∠"})
def mrz_like(text: str) -> bool:
    t = text.upper().replace(" ", "")
    return len(t) >= 30 and t.count("<") >= 2


MRZ_LENGTH = 44  # characters in a TD3 (passport) MRZ line


def mrz_names_share(text: str) -> float | None:
    """The share of an MRZ line 1's width that holds the names, with three characters to spare:
    OCR-B is monospaced and the rest is filler ('<'). None when the line is not mostly filler."""
    names = text.rstrip("<")
    if len(text) < 40 or len(names) > 0.8 * len(text):
        return None
    return min(1.0, (len(names) + 3) / len(text))


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


def rereads(lines: list[Line], policy: RereadPolicy, ids: list[FoundID] | None = None) -> dict[int, str]:
    """The lines of a page (tiny readings) the small model re-reads: index -> reason. `ids`: the
    IDs the policy found on these lines, when the caller has them."""
    ids = policy.find_ids(lines) if ids is None else ids
    valid_mrz = any(i.type == "MRZ" and i.valid for i in ids)
    out: dict[int, str] = {}
    for k, ln in enumerate(lines):
        c = _centre(ln.box)
        mine = [i for i in ids if i.box is not None and _inside(c, i.box)]
        if not mine and id_like(ln.text):  # an ID printed twice is found once, with one of its lines' boxes
            compact = re.sub(r"\s", "", ln.text.upper())
            mine = [i for i in ids if i.valid and i.value in compact] or policy.find_ids([ln])
        if mrz_like(ln.text):
            if not valid_mrz:
                out[k] = "mrz"
            elif ln.confidence < MRZ_CONFIDENT:
                out[k] = "mrz-unsure"  # line 1 (no check digit) read unsure beside a valid MRZ: its names are re-read
            continue
        if any(not i.valid for i in mine):
            out[k] = "invalid-id"
        elif any(not policy.strong_checksum(i.type) for i in mine) and ln.confidence < ID_CONFIDENT:
            out[k] = "weak-id"
        elif not mine and id_like(ln.text):
            out[k] = "id-like"
        elif mine and ln.confidence < LOW_CONFIDENCE:
            out[k] = "id-low"
        elif not mine and ln.confidence < LOW_CONFIDENCE and _value_like(ln.text) \
                and not (len(ln.text) <= 30 and policy.has_gender(ln.text)):  # a gender validates on its own
            out[k] = "low"
    return out


def field_rereads(lines: list[Line], width: int, height: int, ids: list[FoundID],
                  policy: RereadPolicy) -> set[int]:
    """The lines (indices) the free-text named fields (names, places, addresses) of the page are
    read from (`policy.field_lines`), the tiny reading taken as the page; the small model re-reads
    those tiny read unsure ("CHENNAl", "Phase Il")."""
    return policy.field_lines(lines, width, height, ids)


def _valid_ids(lines: list[Line], policy: RereadPolicy) -> set[tuple[str, str]]:
    return {(i.type, i.value) for i in policy.find_ids(lines) if i.valid}


def spaced(tiny: Line, small: Line) -> Line:
    """The small reading, unless the two read the same characters and the tiny one has more spaces:
    a recogniser drops a narrow gap between words far more often than it makes one up
    ("HARPREETIYER")."""
    if tiny.text.replace(" ", "") == small.text.replace(" ", "") and tiny.text.count(" ") > small.text.count(" "):
        return tiny
    return small


def merge(tiny: list[Line], small: dict[int, Line], policy: RereadPolicy) -> list[Line]:
    """The small reading of each re-read line in place of the tiny one (`spaced`); then, line by
    line, the tiny reading back where it makes the page's valid IDs a strict superset (an MRZ
    pair, a number the small reading split wrongly)."""
    out = list(tiny)
    for k, ln in small.items():
        out[k] = spaced(tiny[k], ln)
    have = _valid_ids(out, policy)
    for k in small:
        if tiny[k].text == out[k].text or not any(id_like(t) or mrz_like(t) for t in (tiny[k].text, out[k].text)):
            continue  # the same reading, or neither holds an ID token: the swap cannot change the page's IDs
        alt = list(out)
        alt[k] = tiny[k]
        got = _valid_ids(alt, policy)
        if got > have:
            out, have = alt, got
    return out


def _clip(box, shape) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0, y0 = max(0, int(box[0][0])), max(0, int(box[0][1]))
    x1, y1 = min(w, int(round(box[2][0])) + 1), min(h, int(round(box[2][1])) + 1)
    return x0, y0, x1, y1


def line_crop(image: np.ndarray, box) -> np.ndarray:
    """The crop of a line (its box's bounds)."""
    x0, y0, x1, y1 = _clip(box, image.shape)
    return np.ascontiguousarray(image[y0:y1, x0:x1])


def _encode(image: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".bmp", cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - cv2 always encodes uint8 BGR
        raise EngineError("could not encode the page for the cascade engine")
    return buf.tobytes()


class CascadeEngine:
    name = "cascade"

    def __init__(self, lang: str = "en", *, policy: RereadPolicy) -> None:
        try:
            import faster_paddle
        except ImportError as e:  # pragma: no cover - dependency missing
            raise EngineError(f"faster-paddle is not installed: {e}") from e
        from . import model_dirs
        from .recogniser import LineRecogniser

        s = get_settings()
        self.lang = lang
        self.policy = policy  # what matters on a page (the domain's, passed by the pipeline)
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

    def _reread(self, image: np.ndarray, lines: list[Line], doubt: dict[int, str],
                ids: list = ()) -> dict[int, Line]:
        """The small model's reading of each line in doubt (index -> reading): a line that may hold
        an ID, where its ID-like stretches are a small part of it, by those stretches alone
        (spliced into the tiny reading); an unsure MRZ line 1 by its names alone."""
        jobs = [(k, cols) for k, why in doubt.items() for cols in (self._parts(image, lines[k], why, ids) or [None])]
        small = self._read_jobs(image, lines, doubt, jobs)
        failed = [k for k in doubt if k not in small]
        stretched = len({k for k, cols in jobs if cols is not None})
        self.stats["by-stretch"] = self.stats.get("by-stretch", 0) + stretched - len(failed)
        if failed:  # a stretch that did not align with the tiny reading: the whole line after all
            self.stats["stretch-unaligned"] = self.stats.get("stretch-unaligned", 0) + len(failed)
            small.update(self._read_jobs(image, lines, doubt, [(k, None) for k in failed]))
        return small

    def _parts(self, image: np.ndarray, ln: Line, why: str, ids: list) -> list[tuple[int, int]] | None:
        """The column ranges (in the line's box) of the stretches of a long line that the re-read
        is for (its ID-like tokens; a field's value after its label), or None where the line is
        read whole (short, no such stretch, or the stretches make up most of it)."""
        import cv2

        b = ln.box
        x0, x1, h = b[0][0], b[2][0], b[2][1] - b[0][1]
        if why in WHOLE_LINE or x1 - x0 < SPAN_MIN_WIDTH * h:
            return None
        if why == "field":
            spans = value_span(ln.text)
        else:
            mine = [i.raw or i.value for i in ids if i.box is not None and _inside(_centre(b), i.box)]
            spans = id_spans(ln.text, mine)
        if not spans:
            return None
        blank = blank_columns(cv2.cvtColor(line_crop(image, b), cv2.COLOR_RGB2GRAY))
        cols = [span_columns(ln.text, x0, x1, h, sp, blank) for sp in spans]
        if sum(c1 - c0 for c0, c1 in cols) > SPAN_SHARE * (x1 - x0):
            return None
        return cols

    def _read_jobs(self, image: np.ndarray, lines: list[Line], doubt: dict[int, str],
                   jobs: list[tuple[int, tuple[int, int] | None]]) -> dict[int, Line]:
        """One recogniser call for the jobs (line index, the columns of a stretch or None for the
        whole line); a line whose stretches do not all splice into its tiny reading is left out."""
        crops, names = [], {}
        for k, cols in jobs:
            b = lines[k].box
            share = mrz_names_share(lines[k].text) if doubt[k] == "mrz-unsure" else None
            if share is not None:  # the names, not the filler after them
                names[k] = share
                b = quad_from_rect(b[0][0], b[0][1], b[0][0] + share * (b[2][0] - b[0][0]), b[2][1])
            elif cols is not None:
                b = quad_from_rect(b[0][0] + cols[0], b[0][1], b[0][0] + cols[1], b[2][1])
            crops.append(np.ascontiguousarray(line_crop(image, b)[:, :, ::-1]))  # BGR, as the recogniser reads
        small: dict[int, Line] = {}
        parts: dict[int, list] = {}
        for (k, cols), (text, conf) in zip(jobs, self._small.read(crops)):
            text = text.strip()
            if k in names:
                text = (text.replace(" ", "").rstrip("<") + "<" * MRZ_LENGTH)[:MRZ_LENGTH]
            if cols is None:
                small[k] = Line(text=clean_mrz(text), box=lines[k].box, confidence=conf)
            else:
                parts.setdefault(k, []).append((cols, text, conf))
        for k, read in parts.items():
            ln = lines[k]
            text: str | None = ln.text
            chars = total = 0.0
            for cols, reading, conf in sorted(read, key=lambda p: -p[0][0]):  # right to left
                text = splice(text, cols, ln.box[0][0], ln.box[2][0], reading) if text is not None else None
                chars, total = chars + len(reading), total + conf * len(reading)
            if text is not None:  # the stretches' confidence and the tiny one for the rest, by characters
                rest = max(len(text) - chars, 0)
                small[k] = Line(text=text, box=ln.box, confidence=(total + ln.confidence * rest) / max(chars + rest, 1))
        return small

    def _drop_devanagari(self, image: np.ndarray, gray: np.ndarray | None, lines: list[Line],
                         doubt: dict[int, str]) -> set[int]:
        """Takes out of doubt the low-confidence and ID-like lines that show a Devanagari headline:
        a Latin reading of Devanagari is junk, the second as much as the first. Returns those and
        the unsure field lines that show one (still re-read): lines whose reading is no value
        (`Line.script`). `gray`: the page's grey, when the caller has it."""
        import cv2

        deva = set()
        for k in [k for k, why in doubt.items() if why in ("low", "id-like", "field")]:
            gray = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY) if gray is None else gray
            if has_headline(line_crop(gray, lines[k].box)):
                deva.add(k)
                if doubt[k] != "field":
                    del doubt[k]
                    self.stats["devanagari-kept"] = self.stats.get("devanagari-kept", 0) + 1
        return deva

    def recognize(self, image: np.ndarray) -> list[Line]:
        import cv2

        t0 = time.perf_counter()
        back = None
        gray: np.ndarray | None = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
        theta = skew_angle(gray)
        if abs(theta) >= DESKEW_MIN:  # axis-aligned boxes of slanted lines overlap: read it level
            image, back = level(image, theta)
            gray = None  # of the page as it came: the levelled one's is made if needed
            self.stats["levelled"] = self.stats.get("levelled", 0) + 1
        lines = self.detect_and_read(image)
        t1 = time.perf_counter()
        ids = self.policy.find_ids(lines)  # once, for both choices of what to re-read
        doubt = rereads(lines, self.policy, ids)
        for k in field_rereads(lines, image.shape[1], image.shape[0], ids, self.policy):
            if lines[k].confidence < FIELD_CONFIDENT:
                doubt.setdefault(k, "field")
        deva = self._drop_devanagari(image, gray, lines, doubt)
        if doubt:
            lines = merge(lines, self._reread(image, lines, doubt, ids), self.policy)
        if (doubt or deva) and self.policy.degraded(image):  # a poor capture: read again, enhanced (`enhance`)
            lines, kept = enhanced_read(self._small, image, lines, sorted(set(doubt) | deva), self.policy, deva)
            deva -= kept
            self.stats["enhanced-kept"] = self.stats.get("enhanced-kept", 0) + len(kept)
        for k in deva:  # merge keeps the lines' order
            lines[k] = replace(lines[k], script="deva")
        if back is not None:
            lines = [mapped(ln, back) for ln in lines]
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


@register_engine("cascade", cascade_version, policy=True)
def _make(lang: str, policy: RereadPolicy) -> CascadeEngine:
    return CascadeEngine(lang, policy=policy)
