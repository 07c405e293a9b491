"""The verification pass of masked page images: before a masked page is kept or served it is read
again with the fast pass of the process's default engine (``cascade``: its PP-OCRv6 tiny pass
alone, no second reading) and must hold no Aadhaar or VID number (12 or 16 digits passing
Verhoeff, found by `masks.number_spans`, the one detector). A number still readable is masked by
its box (its reading's box on the masked image) and the page read again; if one is still readable
then, the page is withheld: a placeholder image says so, and a log line (no number in it) says
which document and page.

The engine is the process's own (`engines.get_engine`: one instance pool per process, borrowed
for the call), never a new model per call.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from stdnum import verhoeff

from .config import get_settings
from .logs import log
from .models import Line

VERSION = "1"  # part of the kept pages' stamp: bump when what passes changes
WITHHELD = ("an Aadhaar or VID number could still be read on this page after masking; "
            "the page is withheld (an admin can look at the original where it is kept)")
_CONFUSED = str.maketrans("OoQDIl|SBZG", "00001115826")


@dataclass
class Checked:
    image: Image.Image  # the masked page, masked further where the check found a number; or the placeholder
    withheld: str | None = None  # why the page is withheld (the placeholder is the image then)
    remasked: int = 0  # numbers the check found and masked by their box


def fast_read(image: np.ndarray) -> list[Line]:
    """The default engine's cheapest reading of an RGB image (cascade: the tiny pass alone)."""
    s = get_settings()
    from .reread import engine as get_engine  # built with the documents' re-read policy

    pool = get_engine(s.ocr_engine, s.ocr_model_lang)
    borrow = getattr(pool, "borrow", None)
    with (borrow() if borrow else nullcontext(pool)) as eng:
        read = getattr(eng, "detect_and_read", None) or eng.recognize
        return read(np.ascontiguousarray(image))


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines side by side (their vertical middles within half a line height), left to right."""
    def span(ln: Line) -> tuple[float, float, float]:
        ys, xs = [p[1] for p in ln.box], [p[0] for p in ln.box]
        return (min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs)

    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: span(ln)[0]):
        mid, h, _ = span(ln)
        if rows:
            rmid, rh, _ = span(rows[-1][0])
            if abs(mid - rmid) <= 0.5 * max(h, rh, 1.0):
                rows[-1].append(ln)
                continue
        rows.append([ln])
    return [sorted(r, key=lambda ln: span(ln)[2]) for r in rows]


def _digits(text: str, first: int, end: int, visible: int) -> str:
    from .masks import VISIBLE, _digit_like

    hidden = [c for c in text[first:end] if _digit_like(c)]
    shown = [c for c in text[visible:] if _digit_like(c)][:VISIBLE]
    return "".join(hidden + shown).translate(_CONFUSED)


def readable_numbers(lines: list[Line]) -> list[tuple[list[Line], tuple[int, int, int] | None, int]]:
    """Each valid Aadhaar (12 digits) or VID (16) in the readings, a number split over boxes of one
    row included: (the lines it is on, its span in the line's text when it is on one, its digit
    count)."""
    out = []
    from .masks import VISIBLE, _digit_like, number_spans

    for row in _rows(lines):
        text, starts = "", []
        for ln in row:
            starts.append(len(text) + (1 if text else 0))
            text = f"{text} {ln.text}" if text else ln.text
        for first, end, visible in number_spans(text):
            digits = _digits(text, first, end, visible)
            if len(digits) not in (12, 16) or not verhoeff.is_valid(digits):
                continue
            last = [i for i in range(visible, len(text)) if _digit_like(text[i])][VISIBLE - 1]
            on = [(ln, s) for ln, s in zip(row, starts) if s <= last and s + len(ln.text) > first]
            if len(on) == 1:
                s = on[0][1]
                out.append(([on[0][0]], (first - s, end - s, visible - s), len(digits)))
            else:
                out.append(([ln for ln, _ in on], None, len(digits)))
    return out


def _mask_found(image: Image.Image, found) -> Image.Image:
    import cv2

    from .masks import Mask, _chain_masks, apply, line_masks

    gray = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)
    polys = []
    for on, span, n in found:
        got = line_masks(gray, on[0].text, on[0].box, [span]) if span else _chain_masks(gray, on, n)
        # nothing placed: the whole reading of the number goes black
        polys += got or [[tuple(map(float, p)) for p in ln.box] for ln in on]
    return apply(image, [Mask(0, p, "check") for p in polys])


def check(image: Image.Image, where: str = "") -> Checked:
    """Read the masked page again; mask what is still readable by its box, read again; withhold
    the page (a placeholder) if a number is still there. `where`: the document hash and page for
    the log line (never a number)."""
    found = _found(image)
    if not found:
        return Checked(image)
    again = _mask_found(image, found)
    log.warning("masked page had a readable number: masked by its box", extra={
        "event": "mask_check_remasked", "where": where, "numbers": len(found)})
    if not _found(again):
        return Checked(again, remasked=len(found))
    log.error("masked page withheld", extra={"event": "mask_check_withheld", "where": where,
                                              "reason": "number readable after masking by its box"})
    return Checked(placeholder(image.size, WITHHELD), withheld=WITHHELD, remasked=len(found))


def _found(image: Image.Image):
    return readable_numbers(fast_read(np.asarray(image.convert("RGB"))))


def placeholder(size: tuple[int, int], why: str) -> Image.Image:
    """A page-sized grey image that says why the page is not shown (no part of the page in it)."""
    w, h = max(size[0], 200), max(size[1], 120)
    im = Image.new("RGB", (w, h), (236, 236, 236))
    d = ImageDraw.Draw(im)
    px = max(12, w // 40)
    try:
        font = ImageFont.load_default(size=px)
    except TypeError:  # pragma: no cover - Pillow < 10.1
        font = ImageFont.load_default()
    words, lines, cur = f"Page withheld: {why}.".split(), [], ""
    per_line = max(10, int(w * 0.85 / (0.55 * px)))
    for word in words:
        if len(cur) + len(word) + 1 > per_line and cur:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}".strip()
    lines.append(cur)
    y = h // 3
    for t in lines:
        d.text((w * 0.07, y), t, fill=(60, 60, 60), font=font)
        y += int(px * 1.5)
    return im
