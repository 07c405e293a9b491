"""PAN, Aadhaar, voter ID (EPIC) and driving licence: label-and-value rules over the card's lines."""
from __future__ import annotations

import re

from . import values as V
from .base import BIRTH, THIN, Doc, Found, any_text, has_date, has_gender, person, rx
from .labels import Label
from .layout import TLine, Value

# a label at the start of the line or after the slash of a bilingual label ("नाम / Name")
NAME = Label(rx(r"(?:^|/)\s*name\b"), "name")
FATHER = Label(rx(r"father'?\s*'?s?\s*name", r"पिता का नाम"), "father_name")
DOB = Label(rx(r"date\s*of\s*" + BIRTH, r"\bD[O0]B\b", r"\bdob\b", r"year\s*of\s*" + BIRTH, r"\bYoB\b", r"जन्म"), "dob")
GENDER = Label(rx(r"\bgender\b", r"\bsex\b", r"लिंग"), "gender")
ELECTOR = Label(rx(r"elector'?\s*'?s?\s*name", r"निर्वाचक का नाम"), "name", "VOTER_ID")
_SDW = r"(?:son|daughter|wife)"
RELATIVE = Label(rx(r"\b[SDW]\s*/\s*[SDW]\s*/\s*[SDW]\b(?:\s*of\b)?",  # "S/D/W of", "S/W/D": in any order
              rf"\b{_SDW}\s*/\s*{_SDW}(?:\s*/\s*{_SDW})?(?:\s*of\b)?",  # "Son/Wife/Daughter of"
              r"\b[SDWC]\s*/\s*[O0]\b\s*:?", r"\b(?:son|daughter|wife|care)\s+of\b"), "relation")
ISSUE = Label(rx(r"date\s*of\s*" + THIN + "{0,2}ssue", r"issue\s*date", r"\bDOI\b", r"issued\s*on"), "date_of_issue")
VALID = Label(rx(r"valid\s*t" + THIN + "{1,2}l", r"valid\s*up\s*to", r"valid\s*upto", r"validity"), "valid_till")
COV = Label(rx(r"\bCOV\b", r"class(?:es)?\s*of\s*vehicles?"), "cov")
ADDRESS = Label(rx(r"\baddress\b", r"पता"), "address")
BLOOD = rx(r"blood\s*group")
HEADER = rx(r"government", r"\bgovt\b", r"income\s*tax", r"department", r"authority", r"permanent\s*account",
            r"signature", r"election", r"union of india", r"driving\s*licen", r"\bindia\b")

PAN_LABELS = (NAME, FATHER, DOB)
AADHAAR_LABELS = (DOB, GENDER, ADDRESS, rx(r"enrolment", r"\bVID\b", r"aadhaar", r"\bmobile\b"))
VOTER_LABELS = (ELECTOR, NAME, FATHER, GENDER, DOB, rx(r"husband'?s?\s*name", r"mother'?s?\s*name", r"EPIC"))
DL_LABELS = (NAME, RELATIVE, DOB, ISSUE, VALID, COV, BLOOD, rx(r"\bDL\s*No", r"licen[cs]e\s*no"))


def _found(v: Value | None, text: str | None = None) -> Found | None:
    return Found(text if text is not None else v.text, v.lines) if v else None


def _date_anywhere(doc: Doc, after: TLine | None = None) -> Found | None:
    for ln in doc.lines:
        if after is not None and (ln.page, ln.y0) <= (after.page, after.y0):
            continue
        if has_date(ln.text):
            return Found(ln.text, [ln])
    return None


def _unglue(out: dict[str, Found | None], keys: tuple[str, ...] = ("name", "father_name")) -> dict[str, Found | None]:
    """A name whose space the recogniser dropped ("HARPREETIYER") split where it ends with a word
    of the other name on the card (the family name a father and child share)."""
    for k in keys:
        f = out.get(k)
        if f is None or f.text is None:
            continue
        other = next((g.text.split()[-1] for o in keys if o != k and (g := out.get(o)) is not None and g.text
                      and g.text.split()), None)
        fixed = V.unglue_name(f.text, other)
        if fixed != f.text:
            out[k] = Found(fixed, f.lines, f.source, f.reason, f.valid, f.confidence)
    return out


def pan(doc: Doc) -> dict[str, Found | None]:
    lay = doc.layout
    out: dict[str, Found | None] = {
        "name": _found(lay.value(NAME, person, ("inline", "below"))),
        "father_name": _found(lay.value(FATHER, person, ("inline", "below"))),
        "dob": _found(lay.value(DOB, has_date, ("inline", "below", "right"))),
    }
    if out["dob"] is None:
        out["dob"] = _date_anywhere(doc)
    if out["name"] is None or out["father_name"] is None:
        # the older card prints no labels: name, then father's name, then the date of birth
        date_line = out["dob"].lines[0] if out["dob"] and out["dob"].lines else None
        used = {id(f.lines[0]) for f in out.values() if f and f.lines}
        cands = [ln for ln in doc.lines if id(ln) not in used and ln.text == ln.text.upper() and person(ln.text)
                 and not HEADER.search(ln.text) and not lay.is_label(ln.text)
                 and (date_line is None or (ln.page == date_line.page and ln.y1 <= date_line.y0 + 2))]
        if date_line is not None:  # the two lines right above the date, in its column
            col = [ln for ln in cands if abs(ln.x0 - date_line.x0) <= 2 * date_line.h]
            cands = col or cands
            cands = sorted(cands, key=lambda ln: ln.y0)[-2:]
        for key, ln in zip(("name", "father_name"), cands):
            if out[key] is None:
                out[key] = Found(ln.text, [ln])
    return _unglue(out)


_GENDER_WORD = re.compile(r"\b(?:male|female|transgender)\b|पुरुष|महिला|स्त्री", re.I)
_REL = re.compile(r"\b([SDC])\s*/\s*[O0]\b\s*[:.;,]?\s*(.*)", re.I)
_STOP = re.compile(r"\d{4}\s?\d{4}\s?\d{4}|X{4}|\bVID\b|mobile|aadhaar|download|issue date|\bDOB\b", re.I)


def _relative_line(doc: Doc) -> tuple[TLine, str, str] | None:
    for ln in doc.lines:
        m = _REL.search(ln.text)
        if m and person(m.group(2)):
            return ln, m.group(1).upper() + "/O", m.group(2)
    return None


def _address(doc: Doc) -> Found | None:
    lay = doc.layout
    stop = lambda o: bool(_STOP.search(o.text)) or V.find_gender(o.text) is not None and len(o.text) < 20  # noqa: E731
    for ln, m in lay.find(ADDRESS):
        rest = ln.text[m.end():].strip(" :;-/")
        under = lay.below(ln, max_gap=1.5)
        lines = [ln] if rest else []
        if under:
            lines += lay.block(under[0], stop)
        parts = [rest] if rest else []
        parts += [o.text for o in lines if o is not ln]
        parts = [p for p in parts if not _REL.match(p.strip())]  # "S/O: ..." opens the address
        if parts:
            return Found(V.join_address(parts), [o for o in lines if not _REL.match(o.text.strip())] or lines)
    return None


def aadhaar(doc: Doc) -> dict[str, Found | None]:
    lay = doc.layout
    out: dict[str, Found | None] = {k: None for k in ("name", "name_hi", "dob", "gender", "father_name", "address")}
    dob_v = lay.value(DOB, has_date, ("inline", "right", "below"))
    anchor = dob_v.lines[0] if dob_v else None
    if dob_v is None:  # "Year of Birth : 1987": no date of birth is printed, but the line anchors the name
        for ln, m in lay.find(DOB):
            if re.search(r"(?<!\d)(19|20)\d\d(?!\d)", ln.text[m.end():]):
                anchor = ln
                break
    else:
        out["dob"] = _found(dob_v)
    name_line = None
    gender_line = next((ln for ln in lay.lines if len(ln.text) <= 30 and _GENDER_WORD.search(ln.text)), None)
    # the name is printed right above the date of birth (or, where that went unread, above the
    # date of birth's place: two lines above the gender)
    for start, reach in ((anchor, 2), (gender_line if anchor is None else None, 3)):
        if start is None or name_line is not None:
            continue
        for o in lay.above(start, max_gap=2.5)[:reach]:
            if person(o.text) and not HEADER.search(o.text) and not lay.is_label(o.text):
                name_line = o
                break
    if name_line is None:
        for ln, _m in lay.find(rx(r"(?:^|/)\s*to\b")):
            for o in lay.below(ln, max_gap=3.0)[:2]:
                if person(o.text):
                    name_line = o
                    break
    if name_line is not None:
        out["name"] = Found(name_line.text, [name_line])
        for o in lay.above(name_line, max_gap=1.5)[:1]:
            if V.is_devanagari(o.text):
                out["name_hi"] = Found(o.text, [o])
    for ln in ([anchor] if anchor else []) + lay.lines:
        if anchor is not None and ln is not anchor and not (ln.page == anchor.page and ln.y0 > anchor.y0):
            continue
        g = V.find_gender(ln.text)
        if g and len(ln.text) <= 30:
            out["gender"] = Found(ln.text, [ln])
            break
    rel = _relative_line(doc)
    if rel:
        out["father_name"] = Found(rel[2], [rel[0]])
    out["address"] = _address(doc)
    return _unglue(out)


def _name_above(doc: Doc, relative: Found | None) -> Found | None:
    """The holder's name when its label went unread: the name-like value right above the
    relative's name, in the same column."""
    if relative is None or not relative.lines:
        return None
    for o in doc.layout.above(relative.lines[0], max_gap=1.5)[:1]:
        if person(o.text) and not HEADER.search(o.text) and not doc.layout.is_label(o.text):
            return Found(o.text, [o])
    return None


def voter(doc: Doc) -> dict[str, Found | None]:
    lay = doc.layout
    name = lay.value(ELECTOR, person) or lay.value(NAME, person)
    father = _found(lay.value(FATHER, person))
    return _unglue({
        "name": _found(name) or _name_above(doc, father),
        "father_name": father,
        "gender": _found(lay.value(GENDER, has_gender)),
        "dob": _found(lay.value(DOB, has_date)),
    })


def dl(doc: Doc) -> dict[str, Found | None]:
    lay = doc.layout
    out: dict[str, Found | None] = {
        "name": _found(lay.value(NAME, person)),
        "dob": _found(lay.value(DOB, has_date)),
        "date_of_issue": _found(lay.value(ISSUE, has_date)),
        "valid_till": _found(lay.value(VALID, has_date)),
        "cov": _found(lay.value(COV, any_text)),
        "father_name": None, "relation": None,
    }
    for ln, m in lay.find(RELATIVE):
        v = lay.value_at(ln, m, person)
        if v is None:
            continue
        out["father_name"] = _found(v)
        label = re.sub(r"\s+", "", m.group(0)).upper().rstrip(":")
        rel = {"S/O": "S/O", "SONOF": "S/O", "D/O": "D/O", "DAUGHTEROF": "D/O", "W/O": "W/O", "WIFEOF": "W/O",
               "C/O": "C/O", "CAREOF": "C/O"}.get(label.replace("0", "O"))
        if rel:
            out["relation"] = Found(rel, [ln])
        else:  # "S/D/W of": the card does not say which; the value is the label as printed
            printed = re.sub(r"(?i)\s*of$", "", label) if "/" in label else "S/D/W"
            printed = "/".join(w[:1] for w in printed.split("/"))  # "SON/WIFE/DAUGHTER" as "S/W/D"
            out["relation"] = Found(printed, [ln], valid=False,
                                    reason=f"the card prints {printed}: son, daughter or wife is not stated")
        break
    if out["name"] is None:
        out["name"] = _name_above(doc, out["father_name"])
    return _unglue(out)
