"""A page's slant, measured before OCR, and the page turned level.

faster-paddle gives axis-aligned boxes only: on a page turned by a degree or more, those of
neighbouring lines overlap and their readings mix, so the cascade reads such a page levelled
(`level`) and maps the boxes back onto the page as it came (`mapped`).
"""
from __future__ import annotations

import math

import numpy as np

from ..models import Line

SKEW_SIDE = 800  # the page is measured scaled down to this (longest side)
SKEW_RANGE = 15.0  # degrees either way


def _profile_sharpness(xs: np.ndarray, ys: np.ndarray, degrees: float) -> float:
    yy = ys - xs * math.tan(math.radians(degrees))
    hist = np.bincount((yy - yy.min()).astype(np.int64))
    return float(np.dot(hist, hist))


def skew_angle(gray: np.ndarray) -> float:
    """The slant of a page's text (radians, clockwise positive), measured before OCR: the angle at
    which the page's ink (an adaptive threshold) falls into the sharpest row profile (the
    projection-profile method), in whole degrees over +-SKEW_RANGE, then in tenths around the best."""
    import cv2

    h, w = gray.shape
    f = min(1.0, SKEW_SIDE / max(h, w))
    if f < 1:
        gray = cv2.resize(gray, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 12)
    ys, xs = np.nonzero(ink)
    if len(xs) < 200:
        return 0.0
    xs = xs - xs.mean()
    ys = ys.astype(np.float64)
    coarse = max(np.arange(-SKEW_RANGE, SKEW_RANGE + 0.5, 1.0), key=lambda d: _profile_sharpness(xs, ys, d))
    fine = max(np.arange(coarse - 1.0, coarse + 1.05, 0.1), key=lambda d: _profile_sharpness(xs, ys, d))
    return math.radians(float(fine))


def level(image: np.ndarray, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """The page turned by theta so that its text is level (on a canvas grown to hold it all), and
    the 2x3 affine map from the levelled page back to the original."""
    import cv2

    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), math.degrees(theta), 1.0)
    c, s_ = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(round(w * c + h * s_)), int(round(h * c + w * s_))
    m[0, 2] += (nw - w) / 2
    m[1, 2] += (nh - h) / 2
    out = cv2.warpAffine(image, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out, cv2.invertAffineTransform(m)


def mapped(ln: Line, back: np.ndarray) -> Line:
    pts = np.array(ln.box, dtype=np.float64) @ back[:, :2].T + back[:, 2]
    return Line(text=ln.text, box=[[round(float(x), 1), round(float(y), 1)] for x, y in pts],
                confidence=ln.confidence, script=ln.script)
