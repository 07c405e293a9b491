"""UDYAM registration certificate and GST REG-06 certificate: two-column label/value tables."""
from __future__ import annotations

import re

from rapidfuzz import process

from . import values as V
from .base import Doc, Found, any_text, has_date, rx
from .labels import Label
from .layout import TLine

# UDYAM
ENTERPRISE = Label(rx(r"name\s*of\s*enterprise"), "name", "UDYAM")
ETYPE = Label(rx(r"type\s*of\s*enterprise"), "enterprise_type")
ACTIVITY = Label(rx(r"major\s*activity"), "major_activity")
INCORPORATION = Label(rx(r"date\s*of\s*incorporation"), "date_of_incorporation")
UDYAM_DATE = Label(rx(r"date\s*of\s*udyam\s*registration"), "date_of_udyam_registration")
OFFICIAL_ADDRESS = rx(r"official\s*address")
UDYAM_LABELS = (ENTERPRISE, ETYPE, ACTIVITY, INCORPORATION, UDYAM_DATE, OFFICIAL_ADDRESS,
                rx(r"udyam\s*registration\s*number", r"social\s*category", r"name\s*of\s*unit",
                   r"date\s*of\s*commencement", r"national\s*industry", r"registration\s*of\s*enterprise",
                   r"production\s*/?\s*business", r"date\s*of\s*printing", r"code\s*\(?s\)?\s*:?$"))
ENTERPRISE_TYPES = ("MICRO", "SMALL", "MEDIUM")
ACTIVITIES = ("MANUFACTURING", "SERVICES", "TRADING")
# "Flat/Door/Block No.: Office 34": the sub-labels of the UDYAM address, dropped from the value
_SUBLABEL = re.compile(r"^\s*(?:flat\s*/\s*door\s*/\s*block\s*no\.?|name\s*of\s*premises\s*/\s*building|"
                       r"road\s*/\s*street\s*/\s*lane|village\s*/\s*town|block|city|district|state|pin)\s*[:;.]?\s*",
                       re.I)
_ADDRESS_END = re.compile(r"^\s*(?:mobile|e-?mail|from\s*:|to\s*:)|^\s*\d\d?\s?[/.-]\s?\d\d?\s?[/.-]\s?\d{4}\s*$",
                          re.I)

# GST REG-06
LEGAL = Label(rx(r"legal\s*name"), "name", "GSTIN")
TRADE = Label(rx(r"trade\s*name(?:\s*,?\s*if\s*any)?"), "trade_name")
CONSTITUTION = Label(rx(r"constitution\s*of\s*business"), "constitution")
GST_ADDRESS = rx(r"address\s*of\s*principal\s*place")
LIABILITY = Label(rx(r"date\s*of\s*liability"), "date_of_liability")
GST_LABELS = (LEGAL, TRADE, CONSTITUTION, GST_ADDRESS, LIABILITY,
              rx(r"registration\s*number", r"period\s*of\s*validity", r"type\s*of\s*registration",
                 r"particulars\s*of\s*approving", r"date\s*of\s*issue\s*of\s*certificate", r"^\s*business\s*:?\s*$",
                 r"^\s*\d{1,2}\s*\.\s*$"))
# constitutions of business in the GST registration forms (REG-01, table 2)
CONSTITUTIONS = ("Proprietorship", "Partnership", "Hindu Undivided Family", "Private Limited Company",
                 "Public Limited Company", "Society/Club/Trust/AOP", "Government Department",
                 "Public Sector Undertaking", "Unlimited Company", "Limited Liability Partnership",
                 "Local Authority", "Statutory Body", "Foreign Company", "Foreign Limited Liability Partnership",
                 "Others")


def _text(doc: Doc, label, accept=any_text) -> Found | None:
    v = doc.layout.value(label, lambda s: accept(s) and not doc.layout.is_label(s), ("inline", "right", "below"))
    return Found(v.text, v.lines) if v else None


def _enum(found: Found | None, allowed: tuple[str, ...]) -> Found | None:
    if found is None or found.text is None:
        return found
    words = re.findall(r"[A-Za-z]+", found.text.upper())
    hit = next((w for w in words if w in allowed), None)
    if hit:
        return Found(hit, found.lines)
    return Found(found.text, found.lines, valid=False, reason="not one of " + ", ".join(allowed))


def _value_column(doc: Doc, label_pattern, stop) -> list[TLine]:
    """The value lines of a multi-line cell: right of the label (or below it), down its column."""
    lay = doc.layout
    for ln, m in lay.find(label_pattern):
        rest = ln.text[m.end():].strip(" :;-")
        start = None
        row = lay.right_of(ln)
        if rest and not rest.lower().startswith("of"):
            start = ln
        elif row and not lay.is_label(row[0].text):
            start = row[0]
        elif not (start := _right_below(lay, ln)):
            for o in lay.below(ln, max_gap=3.0)[:3]:  # the label may run on ("Place of / Business :")
                if not lay.is_label(o.text) and not _ADDRESS_END.match(o.text):
                    start = o
                    break
        if start is not None:
            own = [ln] + _continuation(lay, ln)

            def new_row(o: TLine) -> bool:  # something in the label column starts the next row
                return stop(o) or any(
                    p is not o and p not in own and p.x1 <= start.x0 and p.page == o.page
                    and min(p.y1, o.y1) - max(p.y0, o.y0) >= 0.5 * min(p.h, o.h) for p in lay.lines)
            return lay.block(start, new_row, max_lines=10, gap=1.6)  # new_row() ends the cell
    return []


def _right_below(lay, ln: TLine) -> TLine | None:
    """The value column's next line when the line beside the label went unread."""
    cands = [o for o in lay.lines if o.page == ln.page and o.x0 >= ln.x1 - 0.5 * ln.h and ln.y0 <= o.y0 <= ln.y1 + ln.h
             and not lay.is_label(o.text)]
    return min(cands, key=lambda o: (o.y0, o.x0)) if cands else None


def _continuation(lay, ln: TLine) -> list[TLine]:
    """The lines a label runs on to ("Address of Principal Place of" / "Business")."""
    out, cur = [], ln
    while True:
        nxt = [o for o in lay.lines if o.page == cur.page and o.y0 >= cur.cy and o.y0 - cur.y1 <= 0.6 * cur.h
               and abs(o.x0 - ln.x0) <= ln.h and o not in out]
        if not nxt:
            return out
        cur = min(nxt, key=lambda t: t.y0)
        out.append(cur)


def _address(doc: Doc, label_pattern) -> Found | None:
    lines = _value_column(doc, label_pattern, lambda o: bool(_ADDRESS_END.match(o.text)))
    parts = []
    for ln in lines:
        t = _SUBLABEL.sub("", ln.text)
        t = re.sub(r"^.*?address\s*of\s*enterprise\s*[:;]?\s*", "", t, flags=re.I)
        t = t.strip(" ,")
        if t:
            parts.append(t)
    if not parts:
        return None
    return Found(V.join_address(parts), lines)


def udyam(doc: Doc) -> dict[str, Found | None]:
    return {
        "name": _text(doc, ENTERPRISE),
        "enterprise_type": _enum(_text(doc, ETYPE), ENTERPRISE_TYPES),
        "major_activity": _enum(_text(doc, ACTIVITY), ACTIVITIES),
        "date_of_incorporation": _text(doc, INCORPORATION, has_date),
        "date_of_udyam_registration": _text(doc, UDYAM_DATE, has_date),
        "address": _address(doc, OFFICIAL_ADDRESS),
    }


def _constitution(found: Found | None) -> Found | None:
    if found is None or found.text is None:
        return found
    best = process.extractOne(V.spaces(found.text), CONSTITUTIONS, score_cutoff=85)
    if best:
        return Found(best[0], found.lines)
    return Found(found.text, found.lines, valid=False, reason="not a constitution of business in the GST forms")


def gstin(doc: Doc) -> dict[str, Found | None]:
    return {
        "name": _text(doc, LEGAL),
        "trade_name": _text(doc, TRADE),
        "constitution": _constitution(_text(doc, CONSTITUTION)),
        "date_of_liability": _text(doc, LIABILITY, has_date),
        "address": _address(doc, GST_ADDRESS),
    }
