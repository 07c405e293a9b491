"""The Aadhaar Secure QR's values in the named fields: name, date of birth, gender, father's name
(the QR's care-of when it says S/O, D/O or C/O) and address.

Where the OCR found nothing, the QR's value fills the field (``source: "qr"``). Where both exist
and disagree, the disagreement is shown in ``reason``, and, as with the passport's MRZ (which wins
only where its check digit validates), the QR's value wins only where its RSA signature verified
against UIDAI's certificate (``AADHAAR_QR_CERT``): then it replaces the printed value. A QR that
could not be verified (no certificate) leaves the printed value, marked invalid with the QR's
value in the reason, for a person to decide. A QR whose signature fails (a forged or damaged
code) wins nothing: a value it fills is marked invalid, and a printed value it contradicts too.
"""
from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from ..aadhaar_qr import ADDRESS_FIELDS, FAILED, VERIFIED
from ..models import Field
from .base import KINDS, Found, to_field
from . import values as V

GENDERS = {"M": "MALE", "F": "FEMALE", "T": "TRANSGENDER"}
_CARE_OF = re.compile(r"^\s*([SDC])\s*/\s*O\b\s*[:\-.,]?\s*(.+)$", re.I)  # S/O, D/O, C/O (a father's name)
ADDRESS_MATCH = 85.0  # rapidfuzz token-set ratio at which a printed address is the QR's


def qr_values(qr_fields: dict[str, str]) -> dict[str, str]:
    """The field values a Secure QR holds, as text for the field rules (keys of `result.fields`)."""
    out: dict[str, str] = {}
    if (qr_fields.get("name") or "").strip():
        out["name"] = qr_fields["name"]
    dob = (qr_fields.get("dob") or "").strip()
    if V.find_date(dob):  # DD-MM-YYYY (a bare year of birth is no date)
        out["dob"] = dob
    g = GENDERS.get((qr_fields.get("gender") or "").strip().upper()[:1])
    if g:
        out["gender"] = g
    m = _CARE_OF.match(qr_fields.get("care_of") or "")
    if m:
        out["father_name"] = m.group(2)
    parts: list[str] = []
    for k in ADDRESS_FIELDS:
        p = V.spaces(qr_fields.get(k) or "")
        if k != "care_of" and p and p.casefold() not in (x.casefold() for x in parts):
            parts.append(p)
    if parts:
        out["address"] = V.join_address(parts)
    return out


def _same(key: str, a: str, b: str) -> bool:
    if key == "address":
        return fuzz.token_set_ratio(re.sub(r"[^\w]+", " ", a.casefold()), re.sub(r"[^\w]+", " ", b.casefold())) \
            >= ADDRESS_MATCH
    if key in ("name", "father_name"):
        return re.sub(r"[^a-z]", "", a.casefold()) == re.sub(r"[^a-z]", "", b.casefold())
    return a == b


def apply_qr(document_type: str, fields: dict[str, Field], qr: dict[str, Any] | None) -> dict[str, Field]:
    """`fields` (an Aadhaar's) with the decoded Secure QR `qr` (`result.aadhaar_qr`) merged in,
    as the module says; unchanged for another type or without a Secure QR."""
    if document_type != "AADHAAR" or not qr or qr.get("kind") != "secure":
        return fields
    signature = qr.get("signature")
    trusted, forged = signature == VERIFIED, signature == FAILED
    for key, text in qr_values(qr.get("fields") or {}).items():
        got = to_field(key, KINDS.get(key, "text"), Found(text, [], source="qr",
                                                          confidence=1.0 if trusted else 0.9))
        if got is None or not got.value:
            continue
        printed = fields.get(key)
        if printed is None or not printed.value:
            got.page, got.box = int(qr.get("page") or 1), qr.get("box")
            if forged:
                got.valid, got.reason = False, "from the QR, whose signature fails (forged or damaged)"
            fields[key] = got
            continue
        if _same(key, printed.value, got.value):
            continue
        if trusted and got.valid:
            got.page, got.box = printed.page, printed.box
            got.reason = f"printed {printed.value} disagrees with the QR; the QR's signature verifies"
            fields[key] = got
            continue
        why = "whose signature fails" if forged else f"its signature: {signature or 'not checked'}"
        printed.valid, printed.reason = False, f"disagrees with the QR ({got.value}; {why})"
    return fields
