"""Masking of Aadhaar and VID numbers for anything a person, a file or a log can see.

- `mask_id`: one ID's value as shown (XXXX XXXX 1234); which types are masked comes from the ID
  registry (`idtypes`).
- `find_numbers`: the one detector of Aadhaar/VID numbers in free text. The page images
  (`masks.number_spans`) and every text filter below use it.
- `mask_text` (a string), `mask_lines` (OCR lines: a number split over two lines is found too) and
  `mask_data` (any JSON-like value: the filter applied to API responses, CLI output, exports and
  log records).

What `find_numbers` finds (a "digit" is 0-9, or an OCR confusion O/o/Q/D=0, I/l/|=1, S=5, B=8,
Z=2, G=6 when that letter is no part of a word: alone, or among such letters touching a digit):

1. **Checksum**: any 12 (Aadhaar) or 16 (VID) consecutive digits of a run that pass Verhoeff
   (python-stdnum), whatever separates them (spaces, several spaces, dots, dashes, slashes,
   commas, underscores, a line break (not out of a line that is an amount, ``1,068.00``: a column
   of amounts is not a number): up to `MAX_GAP` characters between two digits) and whatever is
   glued around them (``UID726018159082ref``, ``aadhaar_726018159082.png``). A longer run (a
   date, a phone number or another number next to the Aadhaar) is searched window by window: every
   valid window is masked (for privacy a longer number that happens to hold a valid window is
   masked too, 1 chance in 10 per window). A window needs 8 real digits of 12 (12 of 16).
2. **Shape** (no checksum, an OCR misread digit fails it): 12 or 16 digits written alone,
   contiguous or in groups of four (``2155 2109 3999``, ``2155-2109-3999``, ``2155.2109.3999``),
   with at least 8 real digits; the last group of a UUID is not one.

Exceptions, only for numbers that are clearly something else: a window that holds a digit of a
calendar date written dd/mm/yyyy (or yyyy-mm-dd, the same separator twice), of a driving licence
number with a known state code and a plausible year (``MH02 20110012345``), or of a phone number
written with +91, or of our own identifiers (a UUID such as a job id, a lowercase hex digest of 32
or more characters such as a document's SHA-256, e.g. in a status URL) is not checked (two dates on
one line, ``12-05-2015 11-05-2035``, would otherwise be masked half of the time; a UUID's hyphens
join digits of its groups). Nobody writes an Aadhaar that way by accident.

Overlapping finds are merged into one region; everything but its last 4 digits is hidden. On one
line the region becomes ``XXXX XXXX 1234`` (16 digits: ``XXXX XXXX XXXX 1234``); a region that runs
over a line break is masked in place (each hidden digit an X), so lines stay lines.
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from stdnum import verhoeff

from .idtypes import MASKED_TYPES, validate_dl

__all__ = ["MASKED_TYPES", "mask_id", "find_numbers", "mask_text", "mask_lines", "mask_data", "PLAIN_KEYS"]

VISIBLE = 4  # digits left readable
MAX_GAP = 8  # separator characters allowed between two digits of one number
_CONFUSED = {"O": "0", "o": "0", "Q": "0", "D": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8",
             "Z": "2", "G": "6"}
_SEPARATORS = frozenset(" \t\r\n\f\v.,-/_\u00a0\u2007\u202f\u3000\u00ad\u2010\u2011\u2012\u2013\u2014\u2015"
                        "\u2212\u200b\u200c\u200d\u2060\ufeff")
_MIN_REAL = {12: 8, 16: 12}  # real digits (not letters read as digits) a window needs

# the shape rule: 12 or 16 digit-like characters alone, contiguous or in groups of four
_D = "[0-9OoQDIl|SBZG]"
_SHAPE = re.compile(rf"(?<![0-9A-Za-z])(?<![0-9A-Fa-f]-)({_D}{{4}}[ .-]?{_D}{{4}}[ .-]?{_D}{{4}}(?:[ .-]?{_D}{{4}})?)"
                    r"(?![0-9A-Za-z])")
# numbers that are clearly not Aadhaar/VID (see the module docstring)
_DATE_DMY = re.compile(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d)")
_DATE_YMD = re.compile(r"(?<!\d)(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?!\d)")
_DL = re.compile(r"(?<![A-Za-z])([A-Z]{2})[ -]?(\d{2})[ -]?(\d{4})[ -]?(\d{7})(?!\d)")
_AMOUNT = re.compile(r"(?:Rs\.? ?|\u20b9 ?)?\d{1,3}(?:,\d{2,3})+\.\d{2}")  # a line that is an amount (1,23,456.00)
_PHONE = re.compile(r"\+ ?91[ -]?[6-9](?:[ -]?\d){9}(?!\d)")
# our own identifiers in text (a job's status URL, a page's URL): UUIDs and hex digests
_UUID = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9A-Za-z])")
_DIGEST = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])[0-9a-f]{32,}(?![0-9A-Za-z])")


def mask_id(id_type: str, value: str) -> str:
    """The value as anyone without the unmask right sees it: XXXX XXXX 1234 for a masked type,
    unchanged for the others."""
    digits = re.sub(r"\D", "", value)
    if id_type in MASKED_TYPES and len(digits) >= 4:
        groups = ["XXXX"] * (len(digits) // 4 - 1) + [digits[-4:]]
        return " ".join(groups)
    return value


# ---------------------------------------------------------------- the detector
def _digit(text: str, i: int) -> str | None:
    """The digit at i: a real one, or a confusable letter that is no part of a word: alone
    (``I234``), or in a run of confusable letters touching a digit (``9OB2``); the letters of
    ``UID``, ``No`` or ``DOB 01/01/1990`` are letters."""
    c = text[i]
    if c.isdecimal():
        return str(int(c))
    d = _CONFUSED.get(c)
    if d is None:
        return None
    if not c.isalpha():
        return d
    a, b = i, i + 1
    while a > 0 and text[a - 1].isalpha():
        a -= 1
    while b < len(text) and text[b].isalpha():
        b += 1
    if b - a == 1:
        return d
    if any(ch not in _CONFUSED for ch in text[a:b]):
        return None
    return d if (a > 0 and text[a - 1].isdecimal()) or (b < len(text) and text[b].isdecimal()) else None


def _runs(text: str) -> list[list[int]]:
    """Positions of digits, grouped into runs joined by separators (at most MAX_GAP between two)."""
    runs: list[list[int]] = []
    cur: list[int] = []
    last = -1
    for i in range(len(text)):
        if _digit(text, i) is None:
            continue
        if cur and (i - last - 1 > MAX_GAP or any(text[j] not in _SEPARATORS for j in range(last + 1, i))):
            runs.append(cur)
            cur = []
        cur.append(i)
        last = i
    if cur:
        runs.append(cur)
    return [r for r in runs if len(r) >= 12]


def _plausible_date(day: str, month: str, year: str) -> bool:
    try:
        _dt.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return 1900 <= int(year) <= 2100


def _exempt(text: str) -> set[int]:
    """Positions of digits that belong to a date, a driving licence number, a +91 phone number, a
    UUID or a hex digest."""
    out: set[int] = set()
    for m in _DATE_DMY.finditer(text):
        if _plausible_date(m.group(1), m.group(3), m.group(4)):
            out.update(range(m.start(), m.end()))
    for m in _DATE_YMD.finditer(text):
        if _plausible_date(m.group(4), m.group(3), m.group(1)):
            out.update(range(m.start(), m.end()))
    for m in _DL.finditer(text):
        if validate_dl("".join(m.groups())) is None:
            out.update(range(m.start(), m.end()))
    for rx in (_PHONE, _UUID, _DIGEST):
        for m in rx.finditer(text):
            out.update(range(m.start(), m.end()))
    return out


def _crossing_ok(text: str, a: int, b: int) -> bool:
    """A number over a line break, unless one of its lines is an amount: a column of amounts
    (``1,068.00`` / ``19,224.00``) is not a number."""
    if "\n" not in text[a:b + 1]:
        return True
    start, end = text.rfind("\n", 0, a) + 1, text.find("\n", b)
    lines = text[start:end if end >= 0 else len(text)].split("\n")
    return not any(_AMOUNT.fullmatch(ln.strip()) for ln in lines)


def _windows(text: str) -> list[tuple[int, int]]:
    """(first char, last char) of every checksum- or shape-matched number."""
    found: list[tuple[int, int]] = []
    runs = _runs(text)
    exempt = _exempt(text)
    for run in runs:
        digits = [_digit(text, i) for i in run]
        real = [text[i].isdecimal() for i in run]
        for w in (16, 12):
            for s in range(len(run) - w + 1):
                if sum(real[s:s + w]) < _MIN_REAL[w] or any(i in exempt for i in run[s:s + w]):
                    continue
                if not _crossing_ok(text, run[s], run[s + w - 1]):
                    continue
                if verhoeff.is_valid("".join(digits[s:s + w])):
                    found.append((run[s], run[s + w - 1]))
    for m in _SHAPE.finditer(text):
        n = sum(not c.isspace() and c not in ".-" for c in m.group(1))
        real = sum(c.isdecimal() for c in m.group(1))
        span = range(*m.span(1))
        if n in (12, 16) and real >= _MIN_REAL[n] and not any(i in exempt for i in span) \
                and all(_digit(text, i) is not None for i in span if text[i] not in _SEPARATORS):
            found.append((m.start(1), m.end(1) - 1))
    return found


def _positions(text: str, start: int, end: int) -> list[int]:
    return [i for i in range(start, end) if text[i] not in _SEPARATORS]


def find_numbers(text: str) -> list[tuple[int, int, int]]:
    """Every Aadhaar/VID number in the text as (start, end, n_digits): text[start:end] holds it
    (its digits and the separators between them), n_digits counts its digits (12 or 16; more
    when overlapping finds were merged). Everything but the last `VISIBLE` digits is to be hidden."""
    if not text or sum(c.isdecimal() for c in text) < _MIN_REAL[12]:
        return []
    out: list[list[int]] = []
    for a, b in sorted(_windows(text)):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b + 1, len(_positions(text, a, b + 1))) for a, b in out]


def hidden_spans(text: str) -> list[tuple[int, int, int]]:
    """(first char, end of the hidden part, first visible char) for each number: what a page
    image covers (`masks.number_spans`)."""
    out = []
    for start, end, _ in find_numbers(text):
        pos = _positions(text, start, end)
        k = len(pos) - VISIBLE
        out.append((pos[0], pos[k - 1] + 1, pos[k]))
    return out


# ---------------------------------------------------------------- the filters
def _render(text: str, numbers: list[tuple[int, int, int]]) -> str:
    parts, at = [], 0
    for start, end, n in numbers:
        parts.append(text[at:start])
        pos = _positions(text, start, end)
        hide = set(pos[:-VISIBLE])
        chunk = text[start:end]
        if "\n" in chunk:  # over a line break: digit for digit, the lines stay
            parts.append("".join("X" if start + j in hide else c for j, c in enumerate(chunk)))
        else:
            groups = max(2, -(-(n - VISIBLE) // 4))
            parts.append("XXXX " * groups + "".join(text[i] for i in pos[-VISIBLE:]))
        at = end
    parts.append(text[at:])
    return "".join(parts)


def mask_text(text: str) -> str:
    """The text with every Aadhaar/VID number (`find_numbers`) masked: XXXX XXXX 1234."""
    if not text or not isinstance(text, str):
        return text
    numbers = find_numbers(text)
    return _render(text, numbers) if numbers else text


def mask_lines(lines: list[str]) -> list[str]:
    """Lines of one document masked together: a number split over two lines (``7260 1815`` then
    ``9082``) is found and masked in both, each line stays one line."""
    if any("\n" in ln for ln in lines):
        return [mask_text(ln) for ln in lines]
    joined = "\n".join(lines)
    numbers = find_numbers(joined)
    if not numbers:
        return list(lines)
    out = _render(joined, numbers).split("\n")
    return out if len(out) == len(lines) else [mask_text(ln) for ln in lines]


# keys whose values are our own identifiers or geometry, never free text: not filtered (a hex
# hash may hold 12 digits in a row); likewise a string that is exactly a SHA-256 (a document's
# hash, e.g. in a case's list of documents) or a UUID (a job id). `reference_id` is the signed
# Secure QR's reference (the last 4 digits and a 17-digit time: 8 in 10 would hold a valid window).
PLAIN_KEYS = frozenset({"file_hash", "hash", "prev", "mac", "head", "job_id", "task_id", "request_id", "box",
                        "quad", "polygon", "photo_png", "email_hash", "mobile_hash", "batch_id", "reference_id"})
_OWN_ID = re.compile(r"[0-9a-f]{64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def mask_data(value: Any, key: str | None = None) -> Any:
    """Any JSON-like value (dicts, lists, strings) with every string masked (`mask_text`); the
    values of `PLAIN_KEYS` and of keys ending in ``_hash`` are left as they are. The one filter for
    API responses, CLI output, exports and log records."""
    if key is not None and (key in PLAIN_KEYS or key.endswith("_hash")):
        return value
    if isinstance(value, str):
        return value if _OWN_ID.fullmatch(value) else mask_text(value)
    if isinstance(value, dict):
        return {k: mask_data(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v) for v in value]
    return value
