"""Where in a tiny reading an ID may hide, and how to re-read just that stretch of the line.

The small recogniser's cost grows with the width of what it reads (about 0.1 ms per pixel at
48 px height), and the lines that hold an ID in doubt are often long: a letter's sentence with a
consumer number in it, "A/c No.: 5101 2935 7678 IFSC: QFGL0591538". So the cascade re-reads only
the stretch of such a line that holds the ID-like tokens (`id_spans`), or a long field line's value
after its label (`value_span`), found on the image from the tiny reading (`span_columns`: where
the characters fall by their advance widths, widened to the blank columns around them), and
splices the small reading back into the tiny one (`splice`).
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

import numpy as np

_MIXED = re.compile(r"(?=(?:[A-Z]*\d){2})(?=[A-Z0-9]*[A-Z])[A-Z0-9]{6,}")  # letters and two digits or more: PAN, EPIC ...
_GROUP = re.compile(r"(?<![\d/.-])\d{4}(?![\d/.-])")  # a group of an Aadhaar, VID or card number
_MASKED = re.compile(r"X{4}(?:\s?X{4}){0,2}(?=\s?\d{4}\b)")  # the masked groups of an Aadhaar ("XXXX XXXX 1234")
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?!\d)")  # also glued to a word ("25/04/2024NEFT")
_DIGIT_RUN = re.compile(r"\d(?:[\s/-]?\d){6,}")  # seven digits or more, single separators between (a PIN code has 6)
# printed numbers that are no ID: an amount with thousands separators or paise; a mobile number
# (labelled, or +91 and ten digits from 6 to 9 standing alone); a landline with its STD code (0, a code of 2 to 4 digits, a
# hyphen, the subscriber's 6 to 8 digits); a UIDAI enrolment number (EID: 1234/12345/12345); a year
# of birth; a labelled bank account number (9 to 18 digits, ungrouped); an e-mail address
_NOT_ID = re.compile(
    r"\b\d{1,3}(?:,\d{2,3})+(?:\.\d\d)?\b|\d+\.\d\d\b"
    r"|(?:mobile|phone|mob|tel)\.?\s*(?:no\.?)?\s*:?\s*(?:\+91[\s-]?)?0?[6-9]\d{9}\b"
    r"|(?<!\d)(?<!\d[\s-])(?:\+91[\s-]?)?[6-9]\d{9}(?![\s-]?\d)"
    r"|(?<![\d/-])0\d{2,4}-\d{2,4}\s?\d{3,4}(?![\s-]?\d)"
    r"|\b\d{4}/\d{5}/\d{5}\b"
    r"|(?:year\s+of\s+birth|yob)\s*[:/]?\s*(?:19|20)\d\d\b"
    r"|(?:a/c|account)\s*(?:no\.?|number)\s*[:.]?\s*\d{9,18}\b"
    r"|\S+@\S+\.\S+", re.I)


def _blank(m: re.Match) -> str:
    return " " * len(m.group())


def _upper(text: str) -> str:
    """Upper case, character for character (an "ß" stays one character: positions hold)."""
    up = text.upper()
    return up if len(up) == len(text) else "".join(c if len(c.upper()) != 1 else c.upper() for c in text)


def _candidates(text: str) -> list[tuple[int, int]]:
    """Character ranges of the ID-like tokens of a line (dates, amounts, phones, e-mails blanked)."""
    t = _NOT_ID.sub(_blank, _DATE.sub(_blank, _upper(text)))
    return sorted((m.start(), m.end()) for rx in (_MIXED, _GROUP, _DIGIT_RUN, _MASKED) for m in rx.finditer(t))


def id_like(text: str) -> bool:
    """Whether a line may hold an ID the extractor did not find in the tiny reading (a missed
    space, a glued label, a misread letter). Dates, amounts, phone and account numbers, years of
    birth, e-mail addresses and enrolment numbers are no ID."""
    return bool(_candidates(text))


def id_spans(text: str, ids: list[str] = ()) -> list[tuple[int, int]]:
    """The stretches of a line (character ranges, whole words) that hold its ID-like tokens and the
    given ID values (as read, spaces aside); neighbouring stretches one short word apart are joined
    (a group of an Aadhaar the tiny model misread as letters)."""
    ranges = _candidates(text)
    squeezed = [(i, c) for i, c in enumerate(_upper(text)) if not c.isspace()]
    flat = "".join(c for _, c in squeezed)
    for v in ids:
        at = flat.find(v.upper().replace(" ", ""))
        if v and at >= 0:
            ranges.append((squeezed[at][0], squeezed[at + len(v.replace(" ", "")) - 1][0] + 1))
    spans: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        while b < len(text) and not text[b].isspace():
            b += 1
        if spans and a - spans[-1][1] <= 6:  # touching, or one short word between
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    return spans


_LABEL_END = re.compile(r"[A-Za-z.'’)]\s*:\s*(?=\S)")


def value_span(text: str) -> list[tuple[int, int]]:
    """The value of a labelled field line ("... / Elector's Name: Farhan Nikhil Sharma"): the text
    after its last label's colon; none for a line without one."""
    ends = [m.end() for m in _LABEL_END.finditer(text)]
    return [(ends[-1], len(text))] if ends else []


# advance widths (1/1000 em) of Helvetica, from Adobe's Core 14 AFM metrics: where the characters
# of a tiny reading fall on the line, in proportion; anything else counts as a digit
_WIDTHS = {
    **dict.fromkeys("0123456789", 556), " ": 278, ".": 278, ",": 278, ":": 278, ";": 278, "-": 333,
    "/": 278, "(": 333, ")": 333, "@": 1015, "&": 667, "'": 191, '"': 355, "#": 556, "+": 584,
    "=": 584, "<": 584, ">": 584, "_": 556, "!": 278, "?": 556, "%": 889, "|": 260,
    "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722, "I": 278,
    "J": 500, "K": 667, "L": 556, "M": 833, "N": 722, "O": 778, "P": 667, "Q": 778, "R": 722,
    "S": 667, "T": 611, "U": 722, "V": 667, "W": 944, "X": 667, "Y": 667, "Z": 611,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556, "i": 222,
    "j": 222, "k": 500, "l": 222, "m": 833, "n": 556, "o": 556, "p": 556, "q": 556, "r": 333,
    "s": 500, "t": 278, "u": 556, "v": 500, "w": 722, "x": 500, "y": 500, "z": 500,
}


def char_edges(text: str, x0: float, x1: float) -> np.ndarray:
    """The estimated x of each character boundary of a reading that fills x0..x1 (len + 1 values)."""
    w = np.array([_WIDTHS.get(c, 556) for c in text], dtype=np.float64)
    edges = np.concatenate([[0.0], np.cumsum(w)])
    return x0 + (x1 - x0) * edges / max(edges[-1], 1.0)


def line_ink(gray_line: np.ndarray) -> np.ndarray | None:
    """The dark pixels (1) of a line crop (grey) by Otsu's threshold; None for an empty or flat crop
    (less than 40 grey levels between its darkest and lightest pixel)."""
    import cv2

    if gray_line.size == 0 or int(gray_line.max()) - int(gray_line.min()) < 40:
        return None
    return cv2.threshold(gray_line, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]


def blank_columns(gray_line: np.ndarray) -> np.ndarray:
    """Per column of a line crop (grey), whether it holds no ink."""
    ink = line_ink(gray_line)
    if ink is None:
        return np.zeros(gray_line.shape[1] if gray_line.ndim == 2 else 0, dtype=bool)
    return ink.sum(axis=0) == 0


def _to_gap(blank: np.ndarray, x: int, step: int, reach: int) -> int:
    """From x, the first blank column within reach in the direction step (x itself if none)."""
    for k in range(reach + 1):
        j = x + step * k
        if j < 0 or j >= len(blank):
            return min(max(j, 0), len(blank))
        if blank[j]:
            return j
    return x


SPAN_PAD = 0.6  # about a character: the estimate of where a stretch lies errs by less on the dev set


def span_columns(text: str, x0: float, x1: float, height: float, span: tuple[int, int],
                 blank: np.ndarray) -> tuple[int, int]:
    """The columns (relative to x0) of a crop that holds the characters span of a line read as text
    over x0..x1: their estimated place, SPAN_PAD of the line's height more on each side, then out
    to the next blank column within a height (so no glyph is cut)."""
    e = char_edges(text, 0.0, x1 - x0)
    pad = int(round(SPAN_PAD * height))
    a = max(0, int(e[span[0]]) - pad)
    b = min(len(blank), int(np.ceil(e[span[1]])) + pad)
    reach = int(round(height))
    return _to_gap(blank, a, -1, reach), _to_gap(blank, b, 1, reach)


def splice(text: str, cols: tuple[int, int], x0: float, x1: float, reading: str) -> str | None:
    """The tiny reading with the stretch that the crop cols covers replaced by the small reading of
    that crop: the reading is aligned to the tiny characters its columns are estimated to cover (a
    few more either side) and replaces whole words. None when the two do not align (less than
    half of the small reading matches)."""
    reading = reading.strip()
    if not reading:
        return None
    e = char_edges(text, 0.0, x1 - x0)
    lo = max(0, int(np.searchsorted(e, cols[0])) - 4)
    hi = min(len(text), int(np.searchsorted(e, cols[1])) + 4)
    window = text[lo:hi]
    blocks = [b for b in SequenceMatcher(None, window, reading, autojunk=False).get_matching_blocks() if b.size]
    if sum(b.size for b in blocks) < 0.5 * len(reading.replace(" ", "")):
        return None
    first, last = blocks[0], blocks[-1]
    start = max(0, lo + first.a - first.b)
    end = min(len(text), lo + last.a + last.size + (len(reading) - last.b - last.size))
    words = reading.split(" ")
    if 0 < start < len(text) and not text[start - 1].isspace() and len(words) > 1 and " " in text[start:]:
        # the reading begins inside a tiny word: a piece of the word before the crop, dropped
        words, start = words[1:], text.index(" ", start) + 1
    if 0 < end < len(text) and not text[end].isspace() and len(words) > 1 and " " in text[:end]:
        words, end = words[:-1], text.rindex(" ", 0, end)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return (text[:start] + " ".join(words) + text[end:]).strip()
