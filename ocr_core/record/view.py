"""The reviewed document as an object: the OCR result with every correction replayed
(`replay`), its keyed IDs and their origins, its review row, and its ``version`` (the id of the
last correction applied). Also the editor's rows and their live checks (the desk's ID and field
editors, the API's changes are checked by the same functions).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import sqlite_utils

from ..fields.base import cross_check
from ..fields.values import spaces
from ..ids import validate_id
from ..models import ID_TYPES, DetectedID, DocumentResult, Field
from ..privacy import MASKED_TYPES, mask_id, mask_text
from ..store import connect
from . import repository
from .replay import apply_corrections, apply_field_corrections, field_kinds, operator_field, retype


@dataclass


class View:
    """A document as reviewed: the OCR result with corrections applied, keyed IDs, its review row."""

    result: DocumentResult
    keys: list[str]
    origins: list[str]
    row: dict[str, Any]
    n_corrections: int = 0
    original: DocumentResult | None = field(default=None, repr=False)
    version: int = 0  # id of the last correction applied (0: the OCR's result as is)
    field_origins: dict[str, str] = field(default_factory=dict)  # field key -> ocr | edited | added

    def id_by_key(self, key: str) -> DetectedID | None:
        return self.result.ids[self.keys.index(key)] if key in self.keys else None

    @property
    def fields(self) -> dict[str, Field]:
        """The named fields as corrected (`result.fields`)."""
        return self.result.fields

    @property
    def invalid(self) -> list[DetectedID]:
        return [i for i in self.result.ids if not i.valid]


def view(file_hash: str, as_of: int | None = None, *, db: sqlite_utils.Database | None = None) -> View | None:
    """The document with every correction applied (the OCR original is kept apart).

    as_of: a `View.version` seen earlier; only the corrections up to it are applied, i.e. the
    document as it was shown then."""
    db = db or connect()
    original = repository.load(file_hash, db)
    if original is None:
        return None
    rows = repository.corrections(file_hash, db)
    if as_of is not None:
        rows = [r for r in rows if r["id"] <= as_of]
    keys, ids, origins = apply_corrections(original, rows)
    result = DocumentResult.from_dict(original.to_dict(unmask=True))
    result.ids = ids
    if any(r["field"].startswith("id:") for r in rows):  # the type follows the corrected IDs
        retype(result, original.ids)
    result.fields, field_origins = apply_field_corrections(result, rows)
    result.cached = original.cached
    return View(result=result, keys=keys, origins=origins, row=repository.get_row(file_hash, db) or {},
                n_corrections=len(rows), original=original, version=rows[-1]["id"] if rows else 0,
                field_origins=field_origins)


def corrected(file_hash: str) -> DocumentResult | None:
    v = view(file_hash)
    return v.result if v else None


def fingerprint(file_hash: str, db: sqlite_utils.Database | None = None) -> str | None:
    """What a decision is about, as one digest: the reviewed document's type, IDs and named fields
    (None: no such document). A re-scan that changes it reopens a decision (`corrections.refresh`)."""
    v = view(file_hash, db=db)
    return None if v is None else digest(v)


def digest(v: View) -> str:
    """`fingerprint` of a view already read."""
    what = [v.result.document_type, [[k, d.type, d.value, d.valid] for k, d in zip(v.keys, v.result.ids)],
            sorted([k, f.value, f.valid] for k, f in v.fields.items())]
    return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode()).hexdigest()


def _compact(id_type: str, value: str) -> str:
    if id_type == "MRZ":
        return "\n".join(ln.strip().upper() for ln in value.strip().splitlines() if ln.strip())
    return re.sub(r"[\s\-/.]", "", (value or "").upper())


def listed(v: View, id_type: str, value: str) -> str | None:
    """The key of an ID of this type and (normalised) value already on the document, if any."""
    want = _compact(id_type, value)
    for k, d in zip(v.keys, v.result.ids):
        if d.type == id_type and _compact(id_type, d.value) == want:
            return k
    return None


def find_id(file_hash: str, key: str) -> DetectedID:
    """The reviewed document's ID addressed by `key` (``ocr-<i>`` / ``new-<hex>``, see the module
    doc): the one look-up the desk and the API's unmask use. LookupError when there is none."""
    v = view(file_hash)
    d = v.id_by_key(key) if v else None
    if d is None:
        raise LookupError("no such document" if v is None else "no such ID on this document")
    return d


def masked(id_type: str, value: str) -> str:
    return mask_id(id_type, value)


def id_rows(v: View, revealed: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows for the ID editor: Aadhaar/VID masked unless the key was revealed by `unmask`."""
    revealed = revealed or {}
    out = []
    for key, d, origin in zip(v.keys, v.result.ids, v.origins):
        shown = revealed.get(key) if key in revealed else d.display
        out.append({"key": key, "type": d.type, "value": shown, "valid": d.valid,
                    "confidence": None if d.confidence is None else round(float(d.confidence), 3),
                    "reason": d.reason or "", "origin": origin, "page": d.page})
    return out


def check_row(v: View, key: str | None, id_type: str, value: str) -> dict[str, Any]:
    """Live validation of one editor row: changed?, normalised value, valid, reason."""
    value = (value or "").strip()
    cur = v.id_by_key(key) if key else None
    if cur is not None and cur.type == id_type and (
            value in (cur.display, cur.value) or _compact(id_type, value) == _compact(id_type, cur.value)):
        return {"key": key, "type": id_type, "changed": False, "value": cur.value, "valid": cur.valid,
                "reason": cur.reason}
    if id_type not in ID_TYPES:
        return {"key": key, "type": id_type, "changed": True, "value": value, "valid": False,
                "reason": f"unknown ID type {id_type!r}"}
    if not value:
        return {"key": key, "type": id_type, "changed": True, "value": "", "valid": False, "reason": "empty value"}
    if id_type in MASKED_TYPES and "X" in value.upper():
        return {"key": key, "type": id_type, "changed": True, "value": value, "valid": False,
                "reason": "type the full number (or unmask it first)"}
    norm, valid, reason = validate_id(id_type, value)
    return {"key": key, "type": id_type, "changed": True, "value": norm, "valid": valid, "reason": reason}


def field_rows(v: View) -> list[dict[str, Any]]:
    """Rows for the field editor: every key the document's type has (`field_kinds`), found or not."""
    out = []
    for key in field_kinds(v.result):
        f = v.fields.get(key)
        out.append({"key": key, "value": mask_text(f.value or "") if f else "", "found": f is not None,
                    "valid": f.valid if f else None, "reason": (f.reason or "") if f else "",
                    "origin": v.field_origins.get(key, "ocr") if f else "", "source": f.source if f else "",
                    "confidence": None if f is None or f.confidence is None else round(float(f.confidence), 3),
                    "page": f.page if f else None})
    return out


def check_field(v: View, key: str, value: str, fields: dict[str, Field] | None = None) -> dict[str, Any]:
    """Live validation of one field's input: changed?, normalised value, valid, reason, remove (the
    input of a field the document has was emptied). `fields`: the fields to check dates against
    (default: the view's; a save with several changes passes the ones planned so far)."""
    key = (key or "").strip()
    kinds = field_kinds(v.result)
    fields = v.fields if fields is None else fields
    text = spaces(str(value or ""))
    cur = fields.get(key)
    out = {"key": key, "changed": True, "value": text, "valid": False, "reason": None, "remove": False}
    if key not in kinds:
        out["reason"] = (f"{key!r} is not a field of this {v.result.document_type} document (its fields: "
                         f"{', '.join(kinds) or 'none'})")
        return out
    if cur is not None and cur.value and text in (cur.value, mask_text(cur.value)):
        return {**out, "changed": False, "value": cur.value, "valid": cur.valid, "reason": cur.reason}
    if not text:
        return {**out, "changed": cur is not None, "valid": True, "remove": cur is not None}
    f = operator_field(key, kinds[key], text, {}, cur)
    if cur is not None and f.value == cur.value:
        return {**out, "changed": False, "value": cur.value, "valid": cur.valid, "reason": cur.reason}
    if f.valid:  # in order with the other dates (expiry after issue, ...)
        trial = {k: replace(x) for k, x in fields.items()} | {key: replace(f)}
        was = [k for k, x in trial.items() if x.valid]
        cross_check(trial)
        broken = [k for k in was if not trial[k].valid]
        if broken:
            f.valid, f.reason = False, trial[broken[0]].reason
    return {**out, "value": f.value or "", "valid": f.valid, "reason": f.reason}
