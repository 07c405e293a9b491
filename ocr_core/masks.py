"""Where Aadhaar and VID numbers are masked on a page image (the geometry, no storage): for every
Aadhaar- or VID-shaped number (12 or 16 digits, OCR confusions such as O/0 or I/1 included) in a
page's OCR lines, and for every AADHAAR/VID ID with a box, an opaque box covers the first 8
(Aadhaar) or 12 (VID) digits and leaves the last 4 readable (see `redact` for the rules). `redact`
applies these to the stored pages, `maskcheck` to what is still readable after a check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .idtypes import BY_TYPE
from .models import Box, DetectedID, Page
from .privacy import MASKED_TYPES

VISIBLE = 4  # digits left readable
_DIG = "0-9OoQDIl|SBZG"
_RUN = re.compile(rf"(?<![A-Za-z0-9])([{_DIG}](?:[ \-]?[{_DIG}]){{11,15}})(?![A-Za-z0-9])")
PAD_Y = 0.12  # share of the line height added above and below a mask
PAD_START = 0.4  # characters of padding before the first masked digit
FILL = (0, 0, 0)


@dataclass
class Mask:
    page: int
    polygon: list[tuple[float, float]]
    why: str  # "text", "id", "xml_qr"


# ---------------------------------------------------------------- spans in text
def _digit_like(c: str) -> bool:
    return c.isdigit() or c in "OoQDIl|SBZG"


def number_spans(text: str) -> list[tuple[int, int, int]]:
    """(first char, end of the masked part, first visible char) for each Aadhaar/VID number that
    `privacy.find_numbers` finds (the one detector of text and images: Verhoeff-valid 12/16 digits
    whatever separates or surrounds them, or 12/16 digits alone in groups of four)."""
    from .privacy import hidden_spans

    return hidden_spans(text or "")


# ---------------------------------------------------------------- geometry
def _np(box: Box) -> np.ndarray:
    return np.asarray(box, dtype=np.float64).reshape(4, 2)


def _strip(gray: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """The line's box warped to an upright strip (ink = True)."""
    import cv2

    w = int(round(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3]))))
    h = int(round(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1]))))
    if w < 4 or h < 4:
        return None
    dst = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    s = cv2.warpPerspective(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    _, ink = cv2.threshold(s, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink > 0


def _snap(cols: np.ndarray, t: float, half: float) -> float:
    """Move fraction t to the centre of the nearest low-ink run of columns within +-half."""
    w = len(cols)
    lo, hi = max(0, int((t - half) * w)), min(w, int(np.ceil((t + half) * w)))
    if hi - lo < 2:
        return t
    win = cols[lo:hi]
    low = win <= win.min() + max(1, 0.04 * cols.max(initial=1))
    runs, start = [], None
    for i, v in enumerate(low):
        if v and start is None:
            start = i
        if (not v or i == len(low) - 1) and start is not None:
            end = i + 1 if v else i
            runs.append((start + lo, end + lo))
            start = None
    if not runs:
        return t
    centre = min(((a + b) / 2 for a, b in runs), key=lambda c: abs(c / w - t))
    return centre / w


def _sub_quad(q: np.ndarray, t0: float, t1: float, pad_y: float = PAD_Y) -> list[tuple[float, float]]:
    t0, t1 = max(0.0, t0), min(1.0, t1)
    top = lambda t: q[0] + (q[1] - q[0]) * t  # noqa: E731
    bot = lambda t: q[3] + (q[2] - q[3]) * t  # noqa: E731
    pts = []
    for a, b in ((top(t0), bot(t0)), (top(t1), bot(t1))):
        d = b - a
        pts.append((a - d * pad_y, b + d * pad_y))
    (a0, b0), (a1, b1) = pts
    return [tuple(map(float, p)) for p in (a0, a1, b1, b0)]


def _ink_cols(gray: np.ndarray, q: np.ndarray) -> np.ndarray | None:
    ink = _strip(gray, q)
    return None if ink is None else ink.sum(axis=0).astype(np.float64)


def _text_height(gray: np.ndarray, q: np.ndarray) -> float:
    """Height of the ink rows in the box (the text's size, without the box's padding)."""
    ink = _strip(gray, q)
    if ink is None:
        return float(np.linalg.norm(q[3] - q[0]))
    rows = np.flatnonzero(ink.sum(axis=1) > 0.01 * ink.shape[1])
    return float(rows[-1] - rows[0] + 1) if len(rows) else float(ink.shape[0])


def _segments(cols: np.ndarray, gap: float) -> list[tuple[int, int]]:
    """Runs of ink columns, joined across gaps narrower than `gap` (the words of the line)."""
    xs = np.flatnonzero(cols > 0)
    if not len(xs):
        return []
    out, start, prev = [], int(xs[0]), int(xs[0])
    for x in xs[1:]:
        if x - prev > gap:
            out.append((start, prev + 1))
            start = int(x)
        prev = int(x)
    out.append((start, prev + 1))
    return out


def _char_x(text: str, cols: np.ndarray | None, h: float) -> tuple[callable, float] | None:
    """x(i) -> the left edge of character i (a fraction of the line box), from the line's words
    matched to its ink segments: all of them, or the trailing/leading ones when the counts differ."""
    if cols is None:
        return None
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    segs = _segments(cols, max(3.0, 0.25 * h))
    w = len(cols)
    if not tokens or not segs:
        return None
    if len(segs) == len(tokens):
        pairs = list(zip(tokens, segs))
    elif len(segs) > len(tokens):
        return None
    else:
        k = len(segs)
        pairs = list(zip(tokens[-k:], segs))  # the number is usually at the end of its line
    def x(i: int | float) -> float:
        for (a, b), (sa, sb) in pairs:
            if a <= i <= b:
                return (sa + (sb - sa) * (i - a) / max(1, b - a)) / w
        for ((a, b), (sa, sb)), ((c, _), (sc, _)) in zip(pairs, pairs[1:]):
            if b < i < c:  # in the space between two words
                return ((sb + sc) / 2) / w
        return -1.0
    return x, min((sb - sa) / max(1, b - a) for (a, b), (sa, sb) in pairs) / w


def line_masks(gray: np.ndarray, text: str, box: Box, spans: list[tuple[int, int, int]]) -> list[list[tuple[float, float]]]:
    """Polygons covering the masked part of each span of this line."""
    q = _np(box)
    n = max(1, len(text))
    cols = _ink_cols(gray, q)
    located = _char_x(text, cols, _text_height(gray, q))
    out = []
    for first, end, visible in spans:
        t0 = t1 = -1.0
        if located is not None:
            x, cw = located
            a, b, c = x(first), x(end), x(visible)
            if min(a, b, c) >= 0 and a < c:
                t0 = a - PAD_START * cw
                t1 = _snap(cols, (b + c) / 2, 0.45 * cw) if b < c else c - 0.1 * cw
        if t0 < 0 and t1 < 0:  # proportional estimate along the box, snapped to an ink gap
            t0 = (first - PAD_START) / n
            t_est = (end + visible) / 2 / n  # between the last masked and the first visible digit
            t1 = _snap(cols, t_est, 0.6 / n) if cols is not None else t_est
        out.append(_sub_quad(q, t0, t1))
    return out


def _boxes_overlap(a: Box, b: Box, min_share: float = 0.5) -> bool:
    ax0, ay0 = np.min(_np(a), axis=0)
    ax1, ay1 = np.max(_np(a), axis=0)
    bx0, by0 = np.min(_np(b), axis=0)
    bx1, by1 = np.max(_np(b), axis=0)
    iw, ih = max(0.0, min(ax1, bx1) - max(ax0, bx0)), max(0.0, min(ay1, by1) - max(ay0, by0))
    area = max(1e-6, (ax1 - ax0) * (ay1 - ay0))
    return iw * ih / area >= min_share


def box_masks(gray: np.ndarray, box: Box, n_digits: int) -> list[tuple[float, float]]:
    """An ID box with no OCR text: its ink groups; all but the last are covered. One group (the
    digits written together): its first n-4 of n digits' share, snapped to a gap."""
    q = _np(box)
    cols = _ink_cols(gray, q)
    if cols is None or not cols.any():
        return _sub_quad(q, 0.0, 1.0)
    ink = cols > 0
    xs = np.flatnonzero(ink)
    h = max(1.0, _text_height(gray, q))
    groups, start, prev = [], xs[0], xs[0]
    for x in xs[1:]:
        if x - prev > 0.25 * h:  # a word gap
            groups.append((start, prev + 1))
            start = x
        prev = x
    groups.append((start, prev + 1))
    w = len(cols)
    if len(groups) >= 2:
        cut = (groups[-2][1] + groups[-1][0]) / 2 / w
    else:
        a, b = groups[0]
        est = (a + (b - a) * (n_digits - VISIBLE) / n_digits) / w
        cut = _snap(cols, est, 0.6 / n_digits * (b - a) / w)
    return _sub_quad(q, 0.0, cut, pad_y=0.02)


# ---------------------------------------------------------------- one page
def page_masks(image: np.ndarray, page: Page, ids: list[DetectedID] | None = None, *,
               qr: bool = True) -> list[Mask]:
    """Every mask for one page image (RGB, in the pixel space of the page's boxes)."""
    import cv2

    gray = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    masks: list[Mask] = []
    covered: list[Box] = []
    for ln in page.lines:
        spans = number_spans(ln.text)
        if spans:
            masks += [Mask(page.number, p, "text") for p in line_masks(gray, ln.text, ln.box, spans)]
            covered.append(ln.box)
    for d in ids or []:
        if d.type not in MASKED_TYPES or d.page != page.number or not d.box:
            continue
        if any(_boxes_overlap(d.box, c, 0.3) or _boxes_overlap(c, d.box, 0.6) for c in covered):
            continue  # its line is masked already
        digits = BY_TYPE[d.type].digits
        inside = [ln for ln in page.lines if _boxes_overlap(ln.box, d.box, 0.6)]
        chain = _chain_masks(gray, inside, digits)
        masks += [Mask(page.number, p, "id") for p in (chain or [box_masks(gray, d.box, digits)])]
    if qr:
        from .aadhaar_qr import find_codes

        for code in find_codes(np.ascontiguousarray(image)):
            if code.kind == "xml":
                q = _np(code.quad)
                c = q.mean(axis=0)
                masks.append(Mask(page.number, [tuple(map(float, c + (p - c) * 1.08)) for p in q], "xml_qr"))
    return masks


def _chain_masks(gray: np.ndarray, lines, digits: int) -> list[list[tuple[float, float]]]:
    """A number split over several OCR boxes (left to right): the first digits-4 digit-like
    characters across them are covered."""
    lines = sorted(lines, key=lambda ln: min(p[0] for p in ln.box))
    pos = [(i, j) for i, ln in enumerate(lines) for j, c in enumerate(ln.text) if _digit_like(c)]
    if len(pos) < digits:
        return []
    pos = pos[-digits:]
    hide = pos[:digits - VISIBLE]
    out = []
    for i, ln in enumerate(lines):
        js = [j for li, j in hide if li == i]
        if not js:
            continue
        nxt = [j for li, j in pos[digits - VISIBLE:] if li == i]
        visible = nxt[0] if nxt else len(ln.text) + 0.6
        out += line_masks(gray, ln.text, ln.box, [(js[0], js[-1] + 1, visible)])
    return out


def apply(image: np.ndarray | Image.Image, masks: list[Mask]) -> Image.Image:
    im = (image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image))).convert("RGB")
    d = ImageDraw.Draw(im)
    for m in masks:
        d.polygon(m.polygon, fill=FILL)
    return im


def mask_page(image: np.ndarray, page: Page, ids: list[DetectedID] | None = None, *, qr: bool = True) -> Image.Image:
    return apply(image, page_masks(image, page, ids, qr=qr))
