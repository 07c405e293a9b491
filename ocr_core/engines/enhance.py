"""The enhanced read of a poor capture's lines in doubt (the ``cascade`` engine's second chance).

On a page whose capture is poor (blurred, glare, text too small: the re-read policy's `degraded`,
measured before OCR by the quality gate), the lines still in doubt after the small model's re-read
are read once more by the same small recogniser from enhanced crops:
- a page blurred along one direction (its gradients' `structure`: the smaller eigenvalue of their
  structure tensor under `MOTION_RATIO` of the larger) is deblurred line by line (`deblur`: Wiener
  deconvolution by a straight motion of each of `LENGTHS` px along the direction whose gradients the
  blur wiped out; unsharp masking does not bring such lines back, deconvolution does: "VIKRAN GUPTA"
  0.96 -> "VIKRAM GUPTA" 0.99, "DOL:" -> "DOI:" on a bench/unseen_hard.py card);
- any other poor capture (glare, text too small, defocus) by `enhance`: a small crop upscaled (to at
  least `MIN_HEIGHT` px, at most `UPSCALE` times, bicubic), its contrast stretched and sharpened.
An enhanced reading replaces the one the page has only where it is better: it makes the page's
valid IDs a strict superset, or it keeps them and is read with more confidence (by `MARGIN`). A
clean page costs nothing more: the policy says it is not degraded, and nothing is read again.
"""
from __future__ import annotations

import numpy as np

from ..models import Line
from .policy import RereadPolicy

MIN_HEIGHT = 64  # a crop lower than this is upscaled (the recogniser reads at 48 px)
UPSCALE = 2.0
SHARPEN = 1.0  # unsharp-mask amount: crop + SHARPEN * (crop - blurred crop)
MARGIN = 0.02  # the enhanced reading must be read this much surer to replace one that keeps the IDs
MOTION_RATIO = 0.45  # a page's gradient anisotropy under this: motion-blurred (quality.MOTION_MAX's measure)
LENGTHS = (8, 10, 12)  # motions tried (px; bench/unseen_hard.py's captures blur by 7-12 px: on its
# motion-blurred cards' unsure lines each of 8, 10 and 12 reads best about as often, 6 and 14 seldom)
NSR = 0.02  # the Wiener filter's noise-to-signal ratio
LATIN_MIN = 0.9  # a line that looked like Devanagari takes an enhanced Latin reading this sure or more


def structure(grey: np.ndarray) -> tuple[float, tuple[float, float]]:
    """The anisotropy of a grey image's gradients (the smaller over the larger eigenvalue of their
    structure tensor: 1 the same in every direction, as print is; near 0 along one direction only)
    and the unit direction (x, y) along which they are weakest (a motion blur's direction)."""
    import cv2

    g = grey.astype(np.float32)
    gx, gy = cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1)
    a, b, c = float((gx * gx).mean()), float((gx * gy).mean()), float((gy * gy).mean())
    w, v = np.linalg.eigh(np.array([[a, b], [b, c]]))
    return (float(w[0] / w[1]) if w[1] > 0 else 1.0), (float(v[0, 0]), float(v[1, 0]))


def motion_kernel(direction: tuple[float, float], length: int) -> np.ndarray:
    """A straight motion of `length` px along `direction`, as a normalised kernel."""
    import cv2

    k = np.zeros((length + 2, length + 2), np.float32)
    c, (dx, dy) = (length + 1) / 2, direction
    cv2.line(k, (round(c - dx * length / 2), round(c - dy * length / 2)),
             (round(c + dx * length / 2), round(c + dy * length / 2)), 1.0, 1)
    return k / k.sum()


def deblur(crop: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Wiener deconvolution of a crop (uint8, any channels) by `kernel`."""
    x = crop.astype(np.float32) / 255.0
    chans = [x] if x.ndim == 2 else [x[:, :, i] for i in range(x.shape[2])]
    H = np.fft.fft2(kernel, s=x.shape[:2])
    W = np.conj(H) / (np.abs(H) ** 2 + NSR)
    shift = (kernel.shape[0] // 2, kernel.shape[1] // 2)
    out = [np.roll(np.real(np.fft.ifft2(np.fft.fft2(ch) * W)), shift, (0, 1)) for ch in chans]
    y = out[0] if x.ndim == 2 else np.stack(out, axis=2)
    return np.clip(y * 255.0, 0, 255).astype(np.uint8)


def enhance(crop: np.ndarray) -> np.ndarray:
    """A line crop (BGR or grey, uint8) upscaled where small, contrast-stretched and sharpened."""
    import cv2

    h = crop.shape[0]
    f = min(UPSCALE, MIN_HEIGHT / max(h, 1))
    if f > 1:
        crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    x = crop.astype(np.float32)
    lo, hi = np.percentile(x, 2), np.percentile(x, 98)
    if hi - lo >= 16:  # stretch the ink-to-paper range (a flat crop is left as it is)
        x = (x - lo) * (255.0 / (hi - lo))
    sigma = max(1.0, crop.shape[0] / 24)
    x = x + SHARPEN * (x - cv2.GaussianBlur(x, (0, 0), sigma))
    return np.clip(x, 0, 255).astype(np.uint8)


def _valid(lines: list[Line], policy: RereadPolicy) -> set[tuple[str, str]]:
    return {(i.type, i.value) for i in policy.find_ids(lines) if i.valid}


def better(lines: list[Line], enhanced: dict[int, Line], policy: RereadPolicy,
           unsure: frozenset[int] | set[int] = frozenset()) -> tuple[list[Line], set[int]]:
    """The page's lines with each enhanced reading taken where it is better, line by line: it makes
    the page's valid IDs a strict superset, or as many (a weak checksum's misread number read right)
    and it is read surer by `MARGIN`; and the indices taken. Not taken: the same characters with
    fewer spaces (a recogniser drops a narrow gap far more often than it makes one up: "ARJUNKHAN");
    on a line in `unsure` (it looked like Devanagari, and a blurred line can) a reading under
    `LATIN_MIN`."""
    out, have, taken = list(lines), _valid(lines, policy), set()
    for k, ln in enhanced.items():
        cur = out[k]
        if not ln.text or ln.text == cur.text or k in unsure and ln.confidence < LATIN_MIN:
            continue
        if ln.text.replace(" ", "") == cur.text.replace(" ", "") and ln.text.count(" ") <= cur.text.count(" "):
            continue
        alt = list(out)
        alt[k] = ln
        got = _valid(alt, policy)
        if got > have or (len(got) >= len(have) and ln.confidence >= cur.confidence + MARGIN):
            out, have = alt, got
            taken.add(k)
    return out, taken


def _bounds(box, shape, pad: int) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    return (max(0, int(box[0][0]) - pad), max(0, int(box[0][1]) - pad),
            min(w, int(round(box[2][0])) + 1 + pad), min(h, int(round(box[2][1])) + 1 + pad))


def variants(image: np.ndarray, box, direction: tuple[float, float] | None) -> list[np.ndarray]:
    """The enhanced crops (BGR) of a line of a page (RGB): deblurred by each of `LENGTHS` along
    `direction` on a motion-blurred page (read with a margin, cut off after), else `enhance`d."""
    if direction is None:
        x0, y0, x1, y1 = _bounds(box, image.shape, 0)
        return [enhance(np.ascontiguousarray(image[y0:y1, x0:x1, ::-1]))]
    pad = max(LENGTHS)
    x0, y0, x1, y1 = _bounds(box, image.shape, pad)
    big = np.ascontiguousarray(image[y0:y1, x0:x1, ::-1])
    a0, b0, a1, b1 = _bounds(box, image.shape, 0)
    return [np.ascontiguousarray(deblur(big, motion_kernel(direction, n))[b0 - y0:b1 - y0, a0 - x0:a1 - x0])
            for n in LENGTHS]


def enhanced_read(recogniser, image: np.ndarray, lines: list[Line], which: list[int], policy: RereadPolicy,
                  unsure: frozenset[int] | set[int] = frozenset()) -> tuple[list[Line], set[int]]:
    """Read lines `which` of a page (RGB) again from enhanced crops (`variants`) with `recogniser`
    (BGR crops in, (text, confidence) out) and keep the better readings (`better`, the surest
    variant of each line first; `unsure`: lines that looked like Devanagari); and the indices taken."""
    import cv2

    if not which:
        return lines, set()
    ratio, direction = structure(cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY))
    jobs = [(k, crop) for k in which for crop in variants(image, lines[k].box, direction if ratio < MOTION_RATIO
                                                           else None) if crop.size]
    best: dict[int, Line] = {}
    for (k, _), (t, c) in zip(jobs, recogniser.read([crop for _, crop in jobs])):
        if t.strip() and (k not in best or c > best[k].confidence):
            best[k] = Line(text=t.strip(), box=lines[k].box, confidence=c, script=lines[k].script)
    return better(lines, best, policy, unsure)
