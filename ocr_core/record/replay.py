"""Replaying the corrections over the OCR's result (pure: no database here).

IDs are addressed by a stable key: the key the scan gave the ID (``pan-p1-1``, see
`models.assign_keys`), ``new-<hex>`` for one an operator added. Corrections written before keys
(``ocr-<i>``, the i-th ID of the OCR result) are read as the key of that ID. A correction's
``field`` column is ``id:<key>`` for an ID, ``field:<key>`` for a named field (``name``, ``dob``,
...: one of the keys of the document's type, `field_kinds`).

Named fields are corrected like IDs: an operator's value is normalised and checked by the
extractor's own rules (`fields.base.to_field`: dates to YYYY-MM-DD, gender to MALE/FEMALE/
TRANSGENDER, names without label words, dates in order), typed values carry no OCR confidence
and the source ``operator``, and each field has an origin (ocr, edited, added). `schema`'s
migrations replay with these functions too.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Iterable

from ..classify import UNKNOWN, classify_pages
from ..fields import extractor_for
from ..fields.base import Found, cross_check, to_field
from ..ids import validate_id
from ..models import MIXED, DetectedID, DocumentResult, Field


ORIGINS = ("ocr", "edited", "added", "region")
FIELD_ORIGINS = ("ocr", "edited", "added")


def _operator_id(id_type: str, value: str, meta: dict[str, Any]) -> DetectedID:
    """An ID an operator typed (no OCR confidence) or took from a region re-OCR (its confidence)."""
    norm, valid, reason = validate_id(id_type, value)
    conf = meta.get("confidence")
    return DetectedID(type=id_type, value=norm, valid=valid, confidence=None if conf is None else float(conf),
                      page=int(meta.get("page", 1)), box=meta.get("box"), reason=reason)


def _key_of(original: DocumentResult, field_name: str) -> str:
    key = field_name.removeprefix("id:")
    m = re.fullmatch(r"ocr-(\d+)", key)  # written before stable keys: the i-th ID of the OCR result
    if m and int(m.group(1)) < len(original.ids):
        return original.ids[int(m.group(1))].key
    return key


def apply_corrections(original: DocumentResult, rows: Iterable[dict[str, Any]]) -> tuple[list[str], list[DetectedID], list[str]]:
    ids: dict[str, DetectedID] = {d.key: d for d in original.ids}
    origin = {k: "ocr" for k in ids}
    for r in rows:
        if not r["field"].startswith("id:"):
            continue  # a field's correction (result.fields), not an ID's
        key = _key_of(original, r["field"])
        if not r["after"]:
            ids.pop(key, None)
            continue
        old = ids.get(key)
        new = _operator_id(r["id_type"], r["after"], r["meta"])
        new.key = key
        if old is not None:
            new.page, new.box = old.page, old.box
            new.raw = old.raw or (old.value if old.value != new.value else None)
            origin[key] = "edited"
        else:
            origin[key] = r["meta"].get("origin") or "added"
        ids[key] = new
    keys = list(ids)
    return keys, [ids[k] for k in keys], [origin[k] for k in keys]


def retype(result: DocumentResult, original_ids: list[DetectedID]) -> bool:
    """Re-derive the document's type (and its pages') after ID corrections, by the classifier's own
    evidence rule (`classify.classify_pages`: anchors, decisive valid IDs, an ID that decides alone,
    `idtypes.IDSpec.alone`): an operator's valid Aadhaar number on an UNKNOWN page makes it an
    Aadhaar. `result` holds the corrected IDs and is retyped in place; True when its type changed.

    Only the IDs' difference counts: when the corrected IDs give the same types as the OCR's IDs
    did, the stored types stay (the scan may have decided with more, e.g. a QR code). Evidence lost
    makes no type: a page the corrected IDs leave UNKNOWN keeps the scan's type (removing a misread
    number does not unmake the printed card)."""
    saved = [(p.document_type, p.document_type_score) for p in result.pages]
    base = classify_pages(result.pages, original_ids)
    base_pages = [p.document_type for p in result.pages]
    new = classify_pages(result.pages, result.ids)
    if new[0] == base[0] and [p.document_type for p in result.pages] == base_pages:
        for p, (t, sc) in zip(result.pages, saved):
            p.document_type, p.document_type_score = t, sc
        return False
    for p, (t, sc) in zip(result.pages, saved):
        if p.document_type == UNKNOWN:
            p.document_type, p.document_type_score = t, sc
    known = {p.document_type for p in result.pages if p.document_type != UNKNOWN}
    doc_type = known.pop() if len(known) == 1 else MIXED if known else new[0] if new[0] != UNKNOWN \
        else result.document_type
    changed = doc_type != result.document_type
    if changed:
        result.document_type = doc_type
        result.document_type_score = new[1] if doc_type == new[0] else result.document_type_score
    return changed


def field_kinds(result: DocumentResult) -> dict[str, str]:
    """The field keys this document may hold, in order, each with how its value is normalised and
    checked (`fields.TypeFields.kind`): its type's keys, and for a bundle (MIXED) every page type's
    (the first type that has a key decides its kind)."""
    out: dict[str, str] = {}
    for t in (result.document_type, *result.page_types):
        spec = extractor_for(t)
        for k in spec.keys if spec else ():
            out.setdefault(k, spec.kind(k))
    return out


def operator_field(key: str, kind: str, value: str, meta: dict[str, Any], old: Field | None) -> Field:
    """A field an operator typed, normalised and checked by the extractor's rules (`to_field`): no
    OCR confidence, source "operator", the OCR's page and box where it had the field."""
    f = to_field(key, kind, Found(value, source="operator"))
    assert f is not None
    f.confidence = None
    if old is not None:
        f.page, f.box = old.page, old.box
    else:
        f.page, f.box = int(meta.get("page") or 1), meta.get("box")
    return f


def apply_field_corrections(original: DocumentResult, rows: Iterable[dict[str, Any]]
                            ) -> tuple[dict[str, Field], dict[str, str]]:
    """The named fields with the ``field:<key>`` corrections applied, and each one's origin: ocr
    (the OCR's value), edited (the OCR had the field, an operator changed it), added (the OCR had
    none). Dates are checked against each other again (`cross_check`)."""
    kinds = field_kinds(original)
    fields = {k: replace(f) for k, f in original.fields.items()}
    origin = {k: "ocr" for k in fields}
    for r in rows:
        if not r["field"].startswith("field:"):
            continue
        key = r["field"].removeprefix("field:")
        if not r["after"]:
            fields.pop(key, None)
            origin.pop(key, None)
            continue
        old = original.fields.get(key)
        fields[key] = operator_field(key, kinds.get(key, "text"), r["after"], r["meta"], old)
        origin[key] = "edited" if old is not None else "added"
    order = [*kinds, *(k for k in original.fields if k not in kinds)]
    fields = {k: fields[k] for k in sorted(fields, key=lambda k: order.index(k) if k in order else len(order))}
    cross_check(fields)
    return fields, {k: origin[k] for k in fields}
