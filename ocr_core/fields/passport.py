"""Passport data page: the printed fields, cross-checked with the MRZ (ICAO 9303 TD3).

A printed value that disagrees with the MRZ is shown (reason). The MRZ value wins only where a
check digit covers it and validates (date of birth, date of expiry), and for the sex where every check
digit of the MRZ holds (the zone was read cleanly; M, F and X are not confused with each other); names
and nationality have no check digit of their own, so there the printed value stays and the
disagreement marks it invalid. The passport number is cross-checked where IDs are found (`ids`).
"""
from __future__ import annotations

import datetime as dt

from ..ids import mrz_check_digit, validate_mrz
from . import values as V
from .base import BIRTH, THIN, Doc, Found, any_text, has_date, has_gender, person, rx
from .labels import Label

SURNAME = Label(rx(r"\bsurname\b", r"उपनाम"), "surname")
GIVEN = Label(rx(r"given\s*name", r"दिया गया नाम"), "given_names")
NATIONALITY = Label(rx(r"nationality", r"राष्ट्रीयता"), "nationality")
SEX = Label(rx(r"\bsex\b", r"लिंग"), "gender")
DOB = Label(rx(r"date\s*of\s*" + BIRTH, r"जन्मतिथि", r"जन्म तिथि"), "dob")
POB = Label(rx(r"place\s*of\s*" + BIRTH, r"जन्म स्थान"), "place_of_birth")
ISSUE = Label(rx(r"date\s*of\s*" + THIN + "{0,2}ssue", r"जारी करने की तिथि"), "date_of_issue")
EXPIRY = Label(rx(r"date\s*of\s*expiry", r"expiry", r"समाप्ति"), "date_of_expiry")
LABELS = (SURNAME, GIVEN, NATIONALITY, SEX, DOB, POB, ISSUE, EXPIRY,
          rx(r"place\s*of\s*issue", r"\btype\b", r"country\s*code", r"passport\s*no"))
_MODES = ("below", "inline", "right")
NATIONALITIES = {"IND": "INDIAN"}  # the MRZ code and the word printed on Indian passports


def _mrz(doc: Doc) -> tuple[str, str] | None:
    for i in doc.ids:
        if i.type == "MRZ" and "\n" in i.value:
            a, b = i.value.split("\n", 1)
            if len(a) == 44 and len(b) == 44:
                return a, b
    return None


def _mrz_date(s: str, future: bool) -> str | None:
    try:
        yy, mm, dd = int(s[0:2]), int(s[2:4]), int(s[4:6])
    except ValueError:
        return None
    now = dt.date.today().year % 100
    century = 2000 if (future and yy < 70) or (not future and yy <= now) else 1900
    try:
        return dt.date(century + yy, mm, dd).isoformat()
    except ValueError:
        return None


def passport(doc: Doc) -> dict[str, Found | None]:
    lay = doc.layout

    def get(p, accept):
        v = lay.value(p, accept, _MODES)
        return Found(v.text, v.lines) if v else None

    out: dict[str, Found | None] = {
        "surname": get(SURNAME, person), "given_names": get(GIVEN, person),
        "nationality": get(NATIONALITY, lambda s: any_text(s) and not has_date(s)),
        "gender": get(SEX, has_gender), "dob": get(DOB, has_date),
        "place_of_birth": get(POB, lambda s: any_text(s) and not has_date(s)),
        "date_of_issue": get(ISSUE, has_date), "date_of_expiry": get(EXPIRY, has_date),
    }
    mrz = _mrz(doc)
    if mrz:
        _cross_check(out, *mrz)
    s, g = out["surname"], out["given_names"]
    if s or g:
        parts = [f for f in (g, s) if f and f.text]
        out["name"] = Found(" ".join(f.text for f in parts), [ln for f in parts for ln in f.lines],
                            source="mrz" if all(f.source == "mrz" for f in parts) else None)
    return out


def _cross_check(out: dict[str, Found | None], l1: str, l2: str) -> None:
    names = l1[5:].split("<<", 1)
    mrz_surname = names[0].replace("<", " ").strip()
    mrz_given = names[1].replace("<", " ").strip() if len(names) > 1 else ""
    checked = {  # key: (MRZ value, its check digit validates)
        "dob": (_mrz_date(l2[13:19], future=False), mrz_check_digit(l2[13:19]) == l2[19]),
        "date_of_expiry": (_mrz_date(l2[21:27], future=True), mrz_check_digit(l2[21:27]) == l2[27]),
        "gender": ({"M": "MALE", "F": "FEMALE", "X": "TRANSGENDER"}.get(l2[20]), validate_mrz(l1, l2) is None),
        "nationality": (NATIONALITIES.get(l2[10:13].strip("<"), l2[10:13].strip("<")), False),
        "surname": (mrz_surname, False), "given_names": (mrz_given, False),
    }
    for key, (mrz_value, trusted) in checked.items():
        if not mrz_value:
            continue
        f = out.get(key)
        printed = _norm(key, f.text) if f and f.text else None
        if printed == mrz_value:
            continue
        if f is None or not f.text:
            out[key] = Found(mrz_value, [], source="mrz", confidence=0.5 if not trusted else 0.9)
        elif trusted:
            out[key] = Found(mrz_value, f.lines, source="mrz", valid=True,
                             reason=f"printed {printed} disagrees with the MRZ; the MRZ check digit validates")
        else:
            f.valid, f.reason = False, f"disagrees with the MRZ ({mrz_value})"


def _norm(key: str, text: str) -> str | None:
    if key in ("dob", "date_of_expiry"):
        d = V.find_date(text)
        return d[0] if d else None
    if key == "gender":
        return V.find_gender(text)
    if key == "nationality":
        return V.spaces(text).upper()
    return V.clean_name(text).upper()
