"""Telling a Devanagari line from a Latin one on the image, before anything reads it.

Devanagari hangs its letters from a headline (shirorekha): one bar across each word, at the top of
the letters. A Latin recogniser reads such a line as junk ("HRT TURTGT", "3TER,6U"), and a second
Latin reading of it is junk again, so the cascade does not re-read it (the Hindi read is
`fields.devanagari`'s). Latin print has no row that its ink fills end to end: on the dev and tune
sets' unsure lines the fullest row of a Latin line covered at most 0.76 of its ink's columns, or
sat below its top third (an underline, a band); a Devanagari line's covered 0.85 to 0.99, in its
top third.
"""
from __future__ import annotations

import numpy as np

from .spans import line_ink

HEADLINE_COVER = 0.8  # the share of a line's ink columns its fullest row (two rows thick) covers
HEADLINE_TOP = 0.35  # ... where that row lies within the ink's height, from its top


def has_headline(gray_line: np.ndarray) -> bool:
    """Whether a line crop (grey) shows a Devanagari headline: a row near the top of its ink that
    runs through nearly all of the ink's columns."""
    if gray_line.ndim != 2 or min(gray_line.shape) < 4:
        return False
    ink = line_ink(gray_line)
    if ink is None:
        return False
    if ink.mean() > 0.5:  # light print on a dark band
        ink = 1 - ink
    cols = ink.any(axis=0)
    rows = np.nonzero(ink.any(axis=1))[0]
    if cols.sum() < 5 or len(rows) < 4:
        return False
    cover = ink[:, cols].mean(axis=1)
    cover = np.maximum(cover[:-1], cover[1:])  # a bar two or more pixels thick
    k = int(np.argmax(cover))
    return bool(cover[k] >= HEADLINE_COVER and (k - rows[0]) <= HEADLINE_TOP * (rows[-1] - rows[0]))
