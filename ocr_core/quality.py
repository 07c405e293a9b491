"""The quality gate: is a page good enough to trust what was read from it?

Measured on the page image before OCR:
- blur: variance of the Laplacian of the grey page scaled to `BLUR_SIDE` pixels on its longest side
  (a sharp card or page scores in the hundreds and more; a blurred one tens);
- motion blur: the anisotropy of the page's gradients (`motion`: the smaller over the larger
  eigenvalue of their structure tensor): a blur along one direction wipes out the gradients along
  it, where the Laplacian of a noisy JPEG stays high;
- glare: share of the page covered by the largest saturated blob (every channel at least
  `GLARE_LEVEL`) that is not the paper itself (not measured on white paper);
- resolution: the text-line height in pixels, estimated from the glyphs' connected components
  (`text_height`; on the scale of the detector's line boxes);
and after OCR:
- confidence: mean recognition confidence weighted by characters.
A page below a threshold gets a reason ("blurred", "glare", "too small", "low confidence"); the
document's `quality` is `{ok, reasons}` over its pages. Quality never refuses a document: it is
shown on the desk and in the exports so that a person looks again.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .models import Line, Page

BLUR_SIDE = 1000
BLUR_MIN = 60.0  # variance of the Laplacian below this: blurred
MOTION_MAX = 0.35  # gradient anisotropy below this: motion-blurred (cards of the dev, bench/unseen.py and
# bench/unseen_hard.py sets: 0.475-0.99 sharp or otherwise degraded, 0.075-0.418 with 7-12 px of motion blur;
# photographed receipts of ../shared/data/real from 0.359)
GLARE_LEVEL = 250
GLARE_SIDE = 500
WHITE_PAPER = 252  # median of the darkest channel at or above this: white paper (glare not measured)
GLARE_MAX = 0.2  # a saturated blob covering more than this share of the page: glare (dev and tune: at most 0.17 without
# glare, 0.31 and more with on a tinted card)
TEXT_HEIGHT_MIN = 12.0  # median line height in pixels below this: too small to read reliably
CONFIDENCE_MIN = 0.80


RECENT = 8  # the measures of this many page images are kept (`degraded` asks again during the page's OCR)
_recent: dict[tuple, dict[str, float | None]] = {}
_recent_lock = threading.Lock()  # scans in threads (the API's workers) share it


def _key(image: np.ndarray) -> tuple:
    """A page image's fingerprint: its shape and a digest of every 7th pixel of every 7th row."""
    import hashlib

    return image.shape, hashlib.blake2b(np.ascontiguousarray(image[::7, ::7]).tobytes(), digest_size=16).digest()


def image_measures(image: np.ndarray) -> dict[str, float | None]:
    """Blur, motion blur, glare and text height of an RGB page image (before OCR); kept for the
    `RECENT` last images (`degraded`)."""
    m = _measure(image)
    with _recent_lock:
        _recent[_key(image)] = m
        while len(_recent) > RECENT:
            _recent.pop(next(iter(_recent)))
    return dict(m)


def _measure(image: np.ndarray) -> dict[str, float | None]:
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    f = BLUR_SIDE / max(h, w)
    small = cv2.resize(grey, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA if f < 1
                       else cv2.INTER_LINEAR)
    _, sd = cv2.meanStdDev(cv2.Laplacian(small, cv2.CV_64F))  # one pass in C (numpy's var takes three)
    blur = float(sd[0, 0]) ** 2
    return {"blur": round(blur, 1), "motion": round(anisotropy(small), 3), "glare": round(glare_share(image), 4),
            "text_height": text_height(grey)}


def anisotropy(grey: np.ndarray) -> float:
    """The smaller over the larger eigenvalue of the structure tensor of a grey image's gradients
    (1: the same in every direction, as print is; near 0: gradients along one direction only)."""
    from .engines.enhance import structure

    return structure(grey)[0]


TEXT_SIDE = 1800  # a larger page is measured scaled down to this (and the height scaled back)
LINE_PER_GLYPH = 1.7  # the detector's line box over the glyph height estimated here (dev and tune
# pages: the median ratio of the two over 156 pages, see `text_height`)


def text_height(image: np.ndarray) -> float | None:
    """The text-line height in pixels of a page image, estimated before OCR from its glyphs: dark
    strokes against their surroundings (an adaptive threshold), connected components shaped like
    characters (not specks, rules, photo texture or blocks), the median of their heights among the
    many of similar size, times `LINE_PER_GLYPH` (a line box holds ascenders, descenders and a
    margin). None when the page shows too few glyphs to tell."""
    import cv2

    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    h, w = grey.shape
    f = min(1.0, TEXT_SIDE / max(h, w))
    if f < 1:
        grey = cv2.resize(grey, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    hh, ww = grey.shape
    heights = []
    for block in (15, 41):  # small text, then large: a threshold window of about a glyph or two
        ink = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
        n, _, st, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        if n < 2:
            continue
        cw, ch, area = st[1:, cv2.CC_STAT_WIDTH], st[1:, cv2.CC_STAT_HEIGHT], st[1:, cv2.CC_STAT_AREA]
        fill = area / np.maximum(cw * ch, 1)
        keep = (ch >= 4) & (ch <= 0.15 * hh) & (cw <= 2.5 * ch) & (cw >= 0.15 * ch) & (area >= 10) \
            & (fill >= 0.12) & (fill <= 0.9)
        heights.append(_in_rows(st[1:][keep]))
    hs = np.concatenate(heights) if heights else np.array([])
    if hs.size < 8:
        return None
    # the most common glyph size: the median of the heights within a factor 1.6 of the densest bin
    logs = np.log2(hs)
    hist, edges = np.histogram(logs, bins=np.arange(2, np.log2(0.15 * hh) + 0.25, 0.25))
    if not hist.size or hist.max() < 4:
        return None
    k = int(np.argmax(hist))
    mid = (edges[k] + edges[k + 1]) / 2
    near = hs[np.abs(logs - mid) <= np.log2(1.6)]
    return round(float(np.median(near)) * LINE_PER_GLYPH / f, 1)


def _in_rows(stats: np.ndarray, most: int = 3000) -> np.ndarray:
    """Heights of the components that sit in a row of others like them (glyphs of a word: at
    least two neighbours of similar height, level with them, within a few heights); specks of
    noise and photo texture seldom line up."""
    import cv2

    if len(stats) > most:  # a sample keeps the pairwise test cheap
        stats = stats[np.linspace(0, len(stats) - 1, most).astype(int)]
    x, y = stats[:, cv2.CC_STAT_LEFT].astype(float), stats[:, cv2.CC_STAT_TOP].astype(float)
    w, h = stats[:, cv2.CC_STAT_WIDTH].astype(float), stats[:, cv2.CC_STAT_HEIGHT].astype(float)
    cx, cy = x + w / 2, y + h / 2
    ratio = h[None, :] / h[:, None]
    near = (np.abs(cy[None, :] - cy[:, None]) <= 0.25 * h[:, None]) \
        & (np.abs(cx[None, :] - cx[:, None]) <= 2.5 * h[:, None]) & (ratio >= 0.6) & (ratio <= 1.6)
    return h[near.sum(axis=1) >= 3]  # itself and two more


def glare_share(image: np.ndarray) -> float:
    """Share of the page covered by the largest saturated blob that is glare, not the paper itself:
    pixels with every channel at least `GLARE_LEVEL`, opened to drop speckle and thin strokes. On a
    page whose paper is not white, a blob of up to half the page is glare. A larger one (or one on
    a page that is mostly saturated) is glare when the card's own colour shows at the page's edges
    (not white) and the blob fades out into it: most of its outline is a bright halo
    (`GLARE_HALO`), where white paper ends in the sharp edges of print. Glare on white paper
    cannot be told from the paper by saturation (not measured)."""
    import cv2

    h, w = image.shape[:2]
    f = GLARE_SIDE / max(h, w)
    small = cv2.resize(np.ascontiguousarray(image), (max(1, int(w * f)), max(1, int(h * f))),
                       interpolation=cv2.INTER_AREA)
    lo = small.min(axis=2)
    white = np.median(lo) >= WHITE_PAPER
    hh, ww = lo.shape
    b = max(2, int(0.04 * min(hh, ww)))
    edges = np.concatenate([lo[:b].ravel(), lo[-b:].ravel(), lo[:, :b].ravel(), lo[:, -b:].ravel()])
    white_edges = np.median(edges) >= WHITE_PAPER
    if white and white_edges:
        return 0.0
    mask = cv2.morphologyEx((lo >= GLARE_LEVEL).astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    best = 0.0
    for i in range(1, n):
        share = stats[i, cv2.CC_STAT_AREA] / float(mask.size)
        if share <= best or share < 0.02:
            continue
        if share <= 0.5 and not white or not white_edges and _halo(lo, labels == i) >= GLARE_HALO:
            best = share
    return float(best)


GLARE_HALO = 0.4  # share of a blob's outline that is bright but unsaturated (dev, tune and extra glare cards:
# glare 0.45-0.84; white paper inside printed frames 0.0-0.22 where the page's edges are white)


def _halo(lo: np.ndarray, blob: np.ndarray) -> float:
    """Share of the pixels just outside a blob's outer outline (its holes filled) that are bright
    but not saturated: glare fades out, paper ends at print."""
    import cv2

    blob = blob.astype(np.uint8)
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    filled = np.zeros_like(blob)
    cv2.drawContours(filled, contours, -1, 1, -1)
    ring = lo[(cv2.dilate(filled, np.ones((7, 7), np.uint8)) - filled) > 0]
    if ring.size <= 20:
        return 0.0
    return float(((ring >= GLARE_LEVEL - 40) & (ring < GLARE_LEVEL)).mean())


def line_measures(lines: list[Line]) -> dict[str, float | None]:
    """After OCR: the mean recognition confidence, weighted by characters."""
    n = sum(len(ln.text) for ln in lines)
    return {"confidence": round(sum(ln.confidence * len(ln.text) for ln in lines) / n, 4) if n else None}


def page_reasons(m: dict[str, Any]) -> list[str]:
    reasons = []
    if m.get("blur") is not None and m["blur"] < BLUR_MIN or m.get("motion") is not None and m["motion"] < MOTION_MAX:
        reasons.append("blurred")
    if m.get("glare") is not None and m["glare"] > GLARE_MAX:
        reasons.append("glare")
    if m.get("text_height") is not None and m["text_height"] < TEXT_HEIGHT_MIN:
        reasons.append("too small")
    if m.get("confidence") is not None and m["confidence"] < CONFIDENCE_MIN:
        reasons.append("low confidence")
    return reasons


CAPTURE = ("blurred", "glare", "too small")  # the capture's own faults: a new photo fixes them
ADVICE = {"blurred": "hold the camera still and let it focus", "glare": "tilt the card away from the light",
          "too small": "come closer or use a higher resolution"}


def capture_reasons(quality: dict[str, Any] | None) -> list[str]:
    """The reasons of a document's (or page's) quality that are the capture's fault (`CAPTURE`)."""
    return [r for r in (quality or {}).get("reasons", []) if r in CAPTURE]


def advice(reason: str, sep: str = ",") -> str:
    """What to tell the person who took the photo: "blurred: ask for a new photo, hold the camera
    still ..." (`sep` ";" where the text is stored comma-separated, as `attention`)."""
    return f"{reason}: ask for a new photo{sep} {ADVICE[reason]}"


def degraded(image: np.ndarray) -> bool:
    """Whether a page image shows a capture fault (`CAPTURE`: blur, glare, text too small) by the
    measures taken before OCR (`image_measures`: those the pipeline took of this image when it has,
    so the engine's question costs a fingerprint, about a millisecond)."""
    with _recent_lock:
        m = _recent.get(_key(image))
    return any(r in CAPTURE for r in page_reasons(m if m is not None else image_measures(image)))


REASONS = ("blurred", "glare", "too small", "low confidence")  # a page's reasons, in this order


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
    reasons = [r for r in REASONS if r in found]
    return {"ok": not reasons, "reasons": reasons}
