"""Review of a kept document: ID and field corrections, review status, audit trail, unmask, export.

The OCR's original result (``documents.load``) is never overwritten. Every change an operator makes
is a row in ``corrections`` (before/after encrypted) and is replayed over the original by
``view()``. Every act (correct, add_id, remove_id, correct_field, add_field, remove_field, approve,
reject, needs_review, unmask, delete, reocr) is a row in ``audit`` (chained, append-only: see
``auditlog``); audit details carry no ID numbers and no field values. This module owns
``corrections`` (see `schema`); history, metrics and
retention use the functions here.

Who acts is a signed-in ``auth.Identity`` (desk, API): its role is checked against the permission
table, and with MAKER_CHECKER nobody approves or rejects a document they corrected. A plain name
(the Python API, tests) is taken as a trusted caller: only the four-eyes rule applies to it.

IDs are addressed by a stable key: the key the scan gave the ID (``pan-p1-1``, see
`models.assign_keys`), ``new-<hex>`` for one an operator added. Corrections written before keys
(``ocr-<i>``, the i-th ID of the OCR result) are read as the key of that ID. A correction's
``field`` column is ``id:<key>`` for an ID, ``field:<key>`` for a named field (``name``, ``dob``,
...: one of the keys of the document's type, `field_kinds`).

Named fields are corrected like IDs: an operator's value is normalised and checked by the
extractor's own rules (`fields.base.to_field`: dates to YYYY-MM-DD, gender to MALE/FEMALE/
TRANSGENDER, names without label words, dates in order), typed values carry no OCR confidence
and the source ``operator``, and each field has an origin (ocr, edited, added).

A correction must be a valid value (removing is always allowed): what is stored as corrected is
what leaves the desk. An OCR value that fails its check is kept with ``valid`` false and the reason.

Two operators may edit the same document at once. A view carries a ``version`` (the id of the last
correction it applies); the ID editor submits the version it was shown, and ``save_corrections``
stores only what that operator changed relative to it. Changes another operator saved meanwhile are
kept; where both changed the same ID the later save wins and its correction's ``before`` is the
value the other operator saved (``meta.concurrent`` marks it).

A decision is bound to the version it decided (four eyes that cannot be bypassed). `set_status`
reads the document and writes the decision in one write transaction; the audit entry of an
approval or a rejection records the version it applied to (``version``: the id of the last
correction, ``corrections``: their count), and a caller that passes the ``version`` it showed (the
desk, the API's ``version``) is refused (`StaleVersionError`) when the document changed since.
Any change after an approval or a rejection (`save_corrections`, `apply_changes`, `add_id`, so
region re-OCR adds too: whatever writes a correction; and a re-scan whose reviewed IDs or fields
differ, `refresh`) sends the document back to
``needs_review`` in the same transaction, audited as ``review_reopened`` with the previous status
and the reason ("changed after approval" / "changed after rejection"). So an approved document
is always the version its checker saw, and the approved exports never carry a later value.
Approving a document with no ID at all, or of type UNKNOWN, needs a reason
(`approval_needs_reason`, `ReasonRequiredError`), kept with the decision.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

import sqlite_utils

from . import auditlog, auth, crypto, documents, id_index
from .config import get_settings
from .errors import ReasonRequiredError, StaleVersionError
from .fields import extractor_for
from .fields.base import Found, cross_check, to_field
from .fields.values import spaces
from .ids import validate_id
from .models import ID_TYPES, DetectedID, DocumentResult, Field
from .privacy import MASKED_TYPES, mask_data, mask_id, mask_text
from .store import connect

STATUS_ACTIONS = {"approved": "approve", "rejected": "reject", "needs_review": "needs_review",
                  "pending": "reopen"}
ORIGINS = ("ocr", "edited", "added", "region")
FIELD_ORIGINS = ("ocr", "edited", "added")
FIELD_ACTIONS = {"add": "add_field", "correct": "correct_field", "remove": "remove_field"}
DECIDED = {"approved": "approval", "rejected": "rejection"}  # statuses a later change reopens


# ---------------------------------------------------------------- audit
def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    """A plain INSERT: unlike sqlite_utils' insert it does not commit, so it stays inside `_atomic`."""
    cols = list(row)
    cur = db.conn.execute(f"insert into [{table}] ({', '.join(f'[{c}]' for c in cols)}) "
                          f"values ({', '.join('?' * len(cols))})", [row[c] for c in cols])
    return int(cur.lastrowid)


# one write transaction, taken before reading: a save reads the document and writes its
# corrections with no other save in between, and writes all of them or none
atomic = auditlog.atomic
_atomic = atomic


def audit(action: str, file_hash: str | None, operator: "auth.Identity | str", detail: dict[str, Any] | None = None,
          db: sqlite_utils.Database | None = None) -> int:
    """Write one audit row (detail must not hold ID numbers; stored encrypted, reasons may be
    personal), chained to the one before, and a JSON log line."""
    role = operator.role if isinstance(operator, auth.Identity) else None
    return auditlog.write(action, file_hash, str(operator), detail, role=role, db=db)


def audit_rows(file_hash: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    return auditlog.rows(file_hash, limit)


def _need_operator(operator: "auth.Identity | str") -> str:
    name = str(operator or "").strip()
    if not name:
        raise ValueError("sign in first: every review action is stamped with who did it")
    return name


def _allow(who: "auth.Identity | str", action: str) -> "auth.Identity | str":
    """Who acts: a signed-in identity whose role allows `action` (auth.PERMISSIONS), else Forbidden;
    or a trusted caller's name, stripped."""
    name = _need_operator(who)
    if isinstance(who, auth.Identity):
        return auth.require(who, action)
    return name


def corrections_by(file_hash: str, name: str) -> int:
    """How many corrections `name` made to this document (the maker in maker-checker)."""
    return connect().execute("select count(*) from corrections where file_hash = ? and operator = ?",
                             [file_hash, name]).fetchone()[0]


def four_eyes_block(file_hash: str, name: str) -> str | None:
    """Why `name` may not approve or reject this document (MAKER_CHECKER), or None."""
    if not get_settings().maker_checker:
        return None
    n = corrections_by(file_hash, name)
    if not n:
        return None
    return (f"four eyes: you corrected this document ({n} change(s)), so another checker must approve or "
            "reject it (MAKER_CHECKER)")


need_operator = _need_operator


# ---------------------------------------------------------------- corrections and the reviewed view
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


def corrections(file_hash: str) -> list[dict[str, Any]]:
    """This document's corrections in order, before/after decrypted (internal use)."""
    rows = list(connect().query("select * from corrections where file_hash = ? order by id", [file_hash]))
    for r in rows:
        r["before"] = crypto.decrypt_text(r["before"]) if r["before"] else ""
        r["after"] = crypto.decrypt_text(r["after"]) if r["after"] else ""
        r["meta"] = json.loads(r["meta"] or "{}")
        r["reason"] = crypto.decrypt_maybe(r["reason"])
    return rows


def corrected_by(operator: str, db: sqlite_utils.Database | None = None) -> list[str]:
    """The documents (file hashes) this operator corrected."""
    db = db or connect()
    return [r[0] for r in db.execute("select distinct file_hash from corrections where operator = ?", [operator])]


def operators(db: sqlite_utils.Database | None = None) -> list[str]:
    """Everyone who corrected a document."""
    db = db or connect()
    return [r[0] for r in db.execute("select distinct operator from corrections where operator is not null")]


_KIND = ("case when field like 'field:%' then 'field ' else 'ID ' end || case when before = '' then 'added' "
         "when after = '' then 'removed' else 'edited' end")  # "ID edited", "field added", ...: no internal keys


def correction_counts(by: str = "field", db: sqlite_utils.Database | None = None) -> dict[str, int]:
    """Corrections counted per field, kind of change ("ID edited", "field added", ...), id_type
    (a named field's correction counts under ``field:<key>``) or operator, most first."""
    if by not in ("field", "kind", "id_type", "operator"):
        raise ValueError(f"cannot count corrections by {by!r}")
    col = {"kind": _KIND, "id_type": "case when field like 'field:%' then field else id_type end"}.get(by, by)
    db = db or connect()
    return {r["k"]: r["n"] for r in db.query(
        f"select coalesce({col}, '?') k, count(*) n from corrections group by k order by n desc")}


def delete_corrections(file_hash: str, db: sqlite_utils.Database | None = None) -> int:
    db = db or connect()
    return db.conn.execute("delete from corrections where file_hash = ?", [file_hash]).rowcount


def purge_corrections(cutoff: float, keep: set[str], db: sqlite_utils.Database | None = None) -> int:
    """Delete corrections older than `cutoff` of documents not in `keep` (deleted elsewhere)."""
    db = db or connect()
    stale = [r[0] for r in db.execute("select distinct file_hash from corrections where time < ?", [cutoff])
             if r[0] not in keep]
    return sum(db.execute("delete from corrections where time < ? and file_hash = ?", [cutoff, h]).rowcount
               for h in stale)


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


def _operator_field(key: str, kind: str, value: str, meta: dict[str, Any], old: Field | None) -> Field:
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
        fields[key] = _operator_field(key, kinds.get(key, "text"), r["after"], r["meta"], old)
        origin[key] = "edited" if old is not None else "added"
    order = [*kinds, *(k for k in original.fields if k not in kinds)]
    fields = {k: fields[k] for k in sorted(fields, key=lambda k: order.index(k) if k in order else len(order))}
    cross_check(fields)
    return fields, {k: origin[k] for k in fields}


def view(file_hash: str, as_of: int | None = None) -> View | None:
    """The document with every correction applied (the OCR original is kept apart).

    as_of: a `View.version` seen earlier; only the corrections up to it are applied, i.e. the
    document as it was shown then."""
    original = documents.load(file_hash)
    if original is None:
        return None
    rows = corrections(file_hash)
    if as_of is not None:
        rows = [r for r in rows if r["id"] <= as_of]
    keys, ids, origins = apply_corrections(original, rows)
    result = DocumentResult.from_dict(original.to_dict(unmask=True))
    result.ids = ids
    result.fields, field_origins = apply_field_corrections(original, rows)
    result.cached = original.cached
    return View(result=result, keys=keys, origins=origins, row=documents.get_row(file_hash) or {},
                n_corrections=len(rows), original=original, version=rows[-1]["id"] if rows else 0,
                field_origins=field_origins)


def corrected(file_hash: str) -> DocumentResult | None:
    v = view(file_hash)
    return v.result if v else None


def _compact(id_type: str, value: str) -> str:
    if id_type == "MRZ":
        return "\n".join(ln.strip().upper() for ln in value.strip().splitlines() if ln.strip())
    return re.sub(r"[\s\-/.]", "", (value or "").upper())


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
    f = _operator_field(key, kinds[key], text, {}, cur)
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


def _field_change(now: View, planned: dict[str, Field], key: str, value: Any, remove: bool,
                  page: int | None = None) -> tuple[str, str, str, str, dict[str, Any]] | None:
    """One field change checked against the document (and the changes planned before it, which
    `planned` holds and this one is added to): (action, key, before, after, meta), None when it
    changes nothing. ValueError with the reason when it is not a field of the type or not valid."""
    cur = planned.get(key)
    if remove:
        if key not in field_kinds(now.result):
            raise ValueError(check_field(now, key, "", planned)["reason"])
        if cur is None:
            raise ValueError("the document has no such field to remove")
        planned.pop(key)
        return ("remove", key, cur.value or "", "", {"page": cur.page})
    chk = check_field(now, key, "" if value is None else str(value), planned)
    if not chk["changed"]:
        return None
    if chk["remove"]:
        raise ValueError("empty value (remove the field instead)")
    if not chk["valid"]:
        raise ValueError(chk["reason"] or "not valid")
    meta: dict[str, Any] = {"page": cur.page if cur else int(page or 1)}
    kinds = field_kinds(now.result)
    planned[key] = _operator_field(key, kinds[key], chk["value"], meta, cur)
    return ("correct" if cur is not None else "add", key, (cur.value or "") if cur else "", chk["value"], meta)


def _write_field(db, file_hash: str, change: tuple[str, str, str, str, dict[str, Any]],
                 operator: "auth.Identity | str", reason: str) -> int:
    action, key, before, after, meta = change
    return _write(db, file_hash, key, None, before, after, operator, reason, meta, FIELD_ACTIONS[action],
                  target="field")


def _write(db, file_hash: str, key: str, id_type: str | None, before: str, after: str,
           operator: "auth.Identity | str", reason: str, meta: dict[str, Any] | None, action: str, *,
           target: str = "id") -> int:
    """One correction row (values and reason encrypted) and its audit row (no values in it).
    target: "id" (an ID's key) or "field" (a named field's key)."""
    cid = _insert(db, "corrections", {
        "file_hash": file_hash, "field": f"{target}:{key}", "id_type": id_type,
        "before": crypto.encrypt_text(before) if before else "", "after": crypto.encrypt_text(after) if after else "",
        "operator": str(operator), "reason": crypto.encrypt_text(reason) if reason else "", "time": time.time(),
        "meta": json.dumps(meta or {})})
    detail: dict[str, Any] = ({"correction": cid, "key": key, "id_type": id_type} if target == "id"
                              else {"correction": cid, "field": key})
    if (meta or {}).get("concurrent"):
        detail["concurrent"] = True
    audit(action, file_hash, operator, detail, db=db)
    return cid


def _storable(chk: dict[str, Any]) -> None:
    """A correction is stored only as a valid value (the reason otherwise, for the 422 / the desk)."""
    if chk["type"] not in ID_TYPES or not chk["valid"]:
        raise ValueError(f"{chk['type'] or 'ID'}: {chk['reason'] or 'not valid'}")


@contextmanager
def _editing(file_hash: str):
    """(db, the document as it is now) inside one write transaction: the check and the writes of
    a save see no other save in between. LookupError when there is no such document."""
    db = connect()
    with _atomic(db):
        now = view(file_hash)
        if now is None:
            raise LookupError("no such document")
        yield db, now


def _addable(v: View, id_type: str, value: str, planned: Iterable[tuple[str, str]] = ()) -> str:
    """The normalised value of an ID to add: valid, and not listed on the document (nor among the
    (type, value) pairs `planned` in the same save). ValueError with the reason otherwise."""
    chk = check_row(v, None, id_type, value)
    _storable(chk)
    if listed(v, id_type, chk["value"]) or (id_type, chk["value"]) in set(planned):
        raise ValueError(f"{id_type} {masked(id_type, chk['value'])} is already listed")
    return chk["value"]


def save_corrections(file_hash: str, rows: list[dict[str, Any]], operator: "auth.Identity | str", reason: str = "",
                     *, seen: int | None = None, fields: dict[str, str] | None = None) -> list[int]:
    """Store the operator's own changes: the editor rows (key, type, value) and the field inputs
    (`fields`: key -> the text in its input) against the document as the editor showed it, i.e.
    `view(file_hash, as_of=seen)` (`seen` is the `View.version` the editor was rendered from; None
    means the document as it is now).

    A shown row whose key is missing is a removal; a row without a key is an addition; an emptied
    field input removes the field, a filled one sets it. IDs and fields another operator added,
    changed or removed after `seen` are left as they are, unless this operator changed the same
    one: then this save wins and its correction's before is the other operator's value
    (meta.concurrent). Validates every row before writing any, and writes in one transaction.
    Returns the new correction ids (empty when nothing changed)."""
    operator = _allow(operator, "correct")
    with _editing(file_hash) as (db, now):
        shown = now if seen is None or seen >= now.version else view(file_hash, as_of=seen)
        plan: list[tuple[str, str | None, str, str, dict[str, Any]]] = []  # action, key, type, after, row
        submitted = set()
        for r in rows:
            key = (r.get("key") or "").strip() or None
            id_type = (r.get("type") or "").strip().upper()
            value = str(r.get("value") or "")
            if key:
                submitted.add(key)
            if not key and not value.strip():
                continue  # an empty new row
            base = shown if key is None or key in shown.keys else now
            if key and key not in base.keys:
                raise ValueError(f"unknown ID key {key!r}: reload the document")
            chk = check_row(base, key, id_type, value)
            if not chk["changed"]:
                continue  # as shown: whatever someone else saved meanwhile stays
            _storable(chk)
            if key and key in now.keys and not check_row(now, key, id_type, chk["value"])["changed"]:
                continue  # someone else saved the same change meanwhile
            plan.append(("correct" if key else "add_id", key, id_type, chk["value"], r))
        for key in shown.keys:
            if key not in submitted and key in now.keys:  # removed by this operator, still there
                plan.append(("remove_id", key, "", "", {}))
        field_plan = []
        planned = dict(now.fields)
        for fkey, text in (fields or {}).items():
            if not check_field(shown, fkey, text)["changed"]:
                continue  # as shown: whatever someone else saved meanwhile stays
            was = shown.fields.get(fkey)
            empty = not spaces(str(text or ""))
            if empty and fkey not in planned:
                continue  # removed meanwhile
            try:
                change = _field_change(now, planned, fkey, text, empty)
            except ValueError as e:
                raise ValueError(f"{fkey}: {e}") from None
            if change is not None:
                if (was.value if was else None) != (now.fields[fkey].value if fkey in now.fields else None):
                    change[4]["concurrent"] = True  # another save changed (or removed) this field after `seen`
                field_plan.append(change)
        out: list[int] = []
        for action, key, id_type, after, r in plan:
            if action == "add_id":
                out.append(_write(db, file_hash, f"new-{uuid.uuid4().hex[:8]}", id_type, "", after, operator, reason,
                                  {"page": int(r.get("page") or 1), "box": r.get("box")}, "add_id"))
                continue
            was, cur = shown.id_by_key(key) or now.id_by_key(key), now.id_by_key(key)
            meta: dict[str, Any] = {"page": (cur or was).page}
            if cur is None or (cur.type, cur.value) != (was.type, was.value):
                meta["concurrent"] = True  # another save changed (or removed) this ID after `seen`
            if action == "remove_id":
                out.append(_write(db, file_hash, key, cur.type, cur.value, "", operator, reason, meta, "remove_id"))
                continue
            if cur is None:
                meta["box"] = was.box  # removed meanwhile: this edit brings it back
            else:
                meta["before_type"] = cur.type
            out.append(_write(db, file_hash, key, id_type, cur.value if cur else "", after, operator, reason, meta,
                              "correct"))
        out += [_write_field(db, file_hash, change, operator, reason) for change in field_plan]
        if out:
            _changed(db, file_hash, operator)
    return out


def _refresh_counts(db: sqlite_utils.Database, file_hash: str) -> View | None:
    v = view(file_hash)
    if v is not None:
        documents.set_id_counts(file_hash, v.result.ids, db, v.result.fields)
        id_index.rebuild_names(db, file_hash, id_index.names_of(v.result))  # the reviewed names, searchable
    return v


def _changed(db: sqlite_utils.Database, file_hash: str, operator: "auth.Identity | str") -> None:
    """After corrections were written (inside their transaction): the counts follow, and a decided
    document goes back to needs_review (`reopen_if_decided`)."""
    v = _refresh_counts(db, file_hash)
    reopen_if_decided(db, file_hash, operator, v.version if v else None)


def reopen_if_decided(db: sqlite_utils.Database, file_hash: str, operator: "auth.Identity | str",
                      version: int | None = None, *, rescan: bool = False) -> str | None:
    """A document approved or rejected before this change goes back to ``needs_review``: the
    decision was about the version before it. Audited as ``review_reopened`` (previous status, the
    reason, the new version; no values). Returns the previous status, None when it was undecided."""
    row = documents.get_row(file_hash, db=db)
    was = row["review_status"] if row else None
    if was not in DECIDED:
        return None
    why = f"changed after {DECIDED[was]}"
    documents.set_review(file_hash, "needs_review", str(operator), why, db=db)
    detail = {"status": "needs_review", "previous": was, "reason": why, "version": version}
    if rescan:
        detail["rescan"] = True  # the OCR result itself changed (a re-scan), not a correction
    audit("review_reopened", file_hash, operator, detail, db=db)
    return was


def fingerprint(file_hash: str) -> str | None:
    """What a decision is about, as one digest: the reviewed document's type, IDs and named fields
    (None: no such document). A re-scan that changes it reopens a decision (`refresh`)."""
    v = view(file_hash)
    if v is None:
        return None
    what = [v.result.document_type, [[k, d.type, d.value, d.valid] for k, d in zip(v.keys, v.result.ids)],
            sorted([k, f.value, f.valid] for k, f in v.fields.items())]
    return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode()).hexdigest()


def refresh(file_hash: str, *, before: str | None = None, operator: "auth.Identity | str" = "system") -> None:
    """Recompute what the reviewed IDs say (counts, attention, search index), e.g. after a re-scan.
    before: the `fingerprint` before the re-scan; when the reviewed IDs or fields differ now (another
    engine read them otherwise), a decided document goes back to needs_review (`reopen_if_decided`)."""
    db = connect()
    with _atomic(db):
        v = _refresh_counts(db, file_hash)
        if v is not None and before is not None and fingerprint(file_hash) != before:
            reopen_if_decided(db, file_hash, operator, v.version, rescan=True)


def listed(v: View, id_type: str, value: str) -> str | None:
    """The key of an ID of this type and (normalised) value already on the document, if any."""
    want = _compact(id_type, value)
    for k, d in zip(v.keys, v.result.ids):
        if d.type == id_type and _compact(id_type, d.value) == want:
            return k
    return None


def add_id(file_hash: str, id_type: str, value: str, operator: "auth.Identity | str", *, page: int = 1,
           box: list[list[float]] | None = None, reason: str = "", origin: str = "added",
           confidence: float | None = None) -> int:
    """Add one ID (e.g. found by region re-OCR: origin "region", with its confidence) to the
    reviewed document. An ID already listed is not added twice.

    Written as one insert, not as a diff against the document as it looked a moment ago: an ID
    another operator or process added meanwhile is never taken for a removal."""
    operator = _allow(operator, "correct")
    id_type = (id_type or "").strip().upper()
    if not str(value or "").strip():
        raise ValueError("nothing to add")
    with _editing(file_hash) as (db, v):
        after = _addable(v, id_type, str(value))
        meta = {"page": int(page or 1), "box": box, "origin": origin}
        if confidence is not None:
            meta["confidence"] = round(float(confidence), 4)
        cid = _write(db, file_hash, f"new-{uuid.uuid4().hex[:8]}", id_type, "", after, operator, reason, meta,
                     "add_id")
        _changed(db, file_hash, operator)
    if id_type in MASKED_TYPES and box:
        from .redact import remask_stored

        remask_stored(file_hash, int(page or 1))  # the kept masked copy covers it too
    return cid


def apply_changes(file_hash: str, changes: list[dict[str, Any]], operator: "auth.Identity | str",
                  reason: str = "") -> list[int]:
    """Key-addressed corrections (the REST API's): ``{"key", "value"[, "type"]}`` edits,
    ``{"type", "value"[, "page"]}`` adds, ``{"key", "remove": true}`` removes an ID;
    ``{"field", "value"}`` sets a named field (edits it, or adds it where the OCR found none) and
    ``{"field", "remove": true}`` removes it (the key must be one of the document's type,
    `field_kinds`). Applied to the document as it is now, in one transaction: every change is
    checked first and an invalid one (ValueError with its reason) saves nothing. Another
    operator's changes to other IDs and fields are kept. Returns the new correction ids."""
    operator = _allow(operator, "correct")
    if not changes:
        raise ValueError("no changes given")
    with _editing(file_hash) as (db, now):
        plan: list[tuple[str, str, str, str, str, dict[str, Any]]] = []  # action, key, type, before, after, meta
        field_plan = []
        planned = dict(now.fields)
        touched: set[str] = set()
        for n, c in enumerate(changes, 1):
            if c.get("field") is not None:
                fkey = str(c["field"]).strip()
                if c.get("key") or c.get("type"):
                    raise ValueError(f"change {n}: name an ID (key, type) or a field, not both")
                if fkey in touched:
                    raise ValueError(f"change {n}: field {fkey!r} is changed twice")
                touched.add(fkey)
                try:
                    change = _field_change(now, planned, fkey, c.get("value"), bool(c.get("remove")), c.get("page"))
                except ValueError as e:
                    raise ValueError(f"change {n} (field {fkey}): {e}") from None
                if change is not None:
                    field_plan.append(change)
                continue
            key = str(c.get("key") or "").strip()
            if key:
                cur = now.id_by_key(key)
                if cur is None:
                    raise ValueError(f"change {n}: unknown ID key {key!r}")
                if c.get("remove"):
                    plan.append(("remove_id", key, cur.type, cur.value, "", {"page": cur.page}))
                    continue
                id_type = str(c.get("type") or cur.type).strip().upper()
                chk = check_row(now, key, id_type, str(c.get("value") or ""))
                if not chk["changed"]:
                    continue
                try:
                    _storable(chk)
                except ValueError as e:
                    raise ValueError(f"change {n} ({key}): {e}") from None
                plan.append(("correct", key, id_type, cur.value, chk["value"],
                             {"page": cur.page, "before_type": cur.type}))
                continue
            id_type = str(c.get("type") or "").strip().upper()
            try:
                after = _addable(now, id_type, str(c.get("value") or ""),
                                 [(p[2], p[4]) for p in plan])
            except ValueError as e:
                raise ValueError(f"change {n} (add): {e}") from None
            plan.append(("add_id", f"new-{uuid.uuid4().hex[:8]}", id_type, "", after,
                         {"page": int(c.get("page") or 1), "box": c.get("box"), "origin": "added"}))
        out = [_write(db, file_hash, key, id_type, before, after, operator, reason, meta, action)
               for action, key, id_type, before, after, meta in plan]
        out += [_write_field(db, file_hash, change, operator, reason) for change in field_plan]
        if out:
            _changed(db, file_hash, operator)
    return out


def _keep_all(file_hash: str) -> list[dict[str, Any]]:
    v = view(file_hash)
    return [{"key": k, "type": d.type, "value": d.value} for k, d in zip(v.keys, v.result.ids)] if v else []


# ---------------------------------------------------------------- status, unmask, delete
def approval_needs_reason(v: View) -> list[str]:
    """Why approving this document needs a reason (empty: it does not): it has no ID at all, or
    its type is UNKNOWN. The desk asks for one, the API and the core refuse without it."""
    out = []
    if not v.result.ids:
        out.append("it has no ID")
    if v.result.document_type == "UNKNOWN":
        out.append("its type is UNKNOWN")
    return out


def set_status(file_hash: str, status: str, operator: "auth.Identity | str", reason: str = "", *,
               version: int | None = None) -> dict[str, Any]:
    """Approve, reject (a reason is required), mark for review or reopen a document. With
    MAKER_CHECKER, approving or rejecting a document one corrected is refused (auth.Forbidden).

    Read and written in one transaction: the decision is about the version read here, which an
    approval's or rejection's audit entry records (``version``, ``corrections``). `version`: the
    `View.version` the caller showed; when the document has changed since, StaleVersionError.
    Approving a document with no ID or of type UNKNOWN needs a reason (ReasonRequiredError)."""
    if status not in documents.REVIEW_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    operator = _allow(operator, auth.STATUS_ACTION[status])
    reason = (reason or "").strip()
    db = connect()
    with _atomic(db):
        if status in DECIDED:
            block = four_eyes_block(file_hash, str(operator))
            if block:
                raise auth.Forbidden(block)
        if status == "rejected" and not reason:
            raise ReasonRequiredError("give a reason to reject the document")
        v = view(file_hash)
        if v is None:
            raise LookupError("no such document")
        if version is not None and int(version) != v.version:
            raise StaleVersionError(f"the document changed after the version you saw ({int(version)}; now "
                                    f"{v.version}, {v.n_corrections} correction(s)): look at it again, then decide")
        unusual = approval_needs_reason(v) if status == "approved" else []
        if status == "approved" and v.invalid:
            bad = ", ".join(sorted({i.type for i in v.invalid}))
            raise ValueError(f"cannot approve with invalid IDs ({bad}): correct or remove them, or mark needs review")
        if unusual and not reason:
            raise ReasonRequiredError(f"give a reason to approve this document: {' and '.join(unusual)} "
                                      "(the reason is kept with the approval)")
        documents.set_review(file_hash, status, str(operator), reason, db=db)
        detail: dict[str, Any] = {"status": status}
        if reason:
            detail["reason"] = reason
        if status in DECIDED:
            detail.update(version=v.version, corrections=v.n_corrections)
        if unusual:
            detail["approved_with"] = unusual
        audit(STATUS_ACTIONS[status], file_hash, operator, detail, db=db)
    return documents.get_row(file_hash) or {}


def find_id(file_hash: str, key: str) -> DetectedID:
    """The reviewed document's ID addressed by `key` (``ocr-<i>`` / ``new-<hex>``, see the module
    doc): the one look-up the desk and the API's unmask use. LookupError when there is none."""
    v = view(file_hash)
    d = v.id_by_key(key) if v else None
    if d is None:
        raise LookupError("no such document" if v is None else "no such ID on this document")
    return d


def may_unmask(who: "auth.Identity | str") -> bool:
    """Admins and names in UNMASK_ALLOWED (a plain name: only UNMASK_ALLOWED)."""
    s = get_settings()
    if isinstance(who, auth.Identity):
        return auth.may_unmask(who, s.unmask_allowed)
    return s.may_unmask(str(who or "").strip())


def unmask(file_hash: str, key: str, operator: "auth.Identity | str", reason: str = "") -> str:
    """The full Aadhaar/VID number for an admin or a name in UNMASK_ALLOWED, given a reason;
    always audited (who, when, why; a refusal too)."""
    name = _need_operator(operator)
    if not may_unmask(operator):  # refused before any look-up: a refusal says nothing about the document
        try:
            id_type = find_id(file_hash, key).type
        except LookupError:
            id_type = None
        audit("unmask_denied", file_hash, operator, {"key": key, "id_type": id_type})
        role = operator.role if isinstance(operator, auth.Identity) else "not in UNMASK_ALLOWED"
        raise auth.Forbidden(f"{name} may not unmask Aadhaar/VID numbers: unmask needs the admin role "
                             f"(you are {role}) or a name in UNMASK_ALLOWED", "admin")
    d = find_id(file_hash, key)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("give a reason to unmask (it is kept in the audit trail)")
    audit("unmask", file_hash, operator, {"key": key, "id_type": d.type, "last4": d.value[-4:], "reason": reason})
    return d.value


def audit_trail(file_hash: str, limit: int = 500) -> list[dict[str, Any]]:
    """A document's trail for people: action, operator, role, time, and for corrections what was
    corrected (id_type, or the named field's key) and the before/after values, masked
    (Aadhaar/VID) — newest first."""
    rows = audit_rows(file_hash, limit)
    corr = {c["id"]: c for c in corrections(file_hash)}
    out = []
    for r in rows:
        d = dict(r["detail"])
        item = {"id": r["id"], "action": r["action"], "operator": r["operator"], "role": r.get("role"),
                "time": r["time"], "before": None, "after": None, "id_type": d.get("id_type"),
                "field": d.get("field"), "reason": d.get("reason")}
        c = corr.get(d.get("correction"))
        if c is not None and c["field"].startswith("field:"):
            item["before"], item["after"] = mask_text(c["before"]), mask_text(c["after"])
            item["reason"] = c["reason"] or None
        elif c is not None:
            before_type = c["meta"].get("before_type", c["id_type"])
            item["before"] = masked(before_type, c["before"]) if c["before"] else ""
            item["after"] = masked(c["id_type"], c["after"]) if c["after"] else ""
            item["reason"] = c["reason"] or None
        out.append(item)
    return mask_data(out)  # reasons too (the desk shows this list; the API masks its answers anyway)


def delete_document(file_hash: str, operator: "auth.Identity | str") -> bool:
    """Remove every copy of the document (`records.erase`); the audit keeps the act."""
    from . import records

    return records.erase(file_hash, _allow(operator, "delete"))


# ---------------------------------------------------------------- lists
def recent_documents(limit: int = 50) -> list[dict[str, Any]]:
    return documents.find(columns=("file_hash", "filename", "document_type", "review_status", "reviewed_by",
                                   "n_ids", "n_invalid_ids", "created_at", "updated_at"),
                          order="updated_at desc", limit=limit)


def review_queue() -> list[str]:
    """Undecided documents, those that need a person first (marked needs review, or flagged: an
    invalid ID, low confidence, UNKNOWN type, no ID of the type's kind, a named field missing, unsure
    or implausible; see documents.attention),
    each group oldest first."""
    return documents.review_queue()


def next_document(current: str | None) -> str | None:
    """The document after `current` in the review queue (`review_queue`), or its first."""
    rows = review_queue()
    others = [h for h in rows if h != current]
    if not others:
        return None
    if current in rows:
        i = rows.index(current)
        after = [h for h in rows[i + 1:]]
        return after[0] if after else others[0]
    return others[0]


# ---------------------------------------------------------------- export (masked): the reviewed view's
def export_dict(file_hash: str) -> dict[str, Any]:
    from . import reviewed

    rv = reviewed.get(file_hash)
    if rv is None:
        raise LookupError("no such document")
    return rv.export()


def export_json(file_hash: str) -> str:
    return json.dumps(export_dict(file_hash), ensure_ascii=False, indent=2)


def export_csv(file_hash: str) -> str:
    """One row per ID of the reviewed document (the bulk page's per-ID columns)."""
    from . import reviewed

    rv = reviewed.get(file_hash)
    if rv is None:
        raise LookupError("no such document")
    return reviewed.to_csv(rv.id_rows(), reviewed.ID_COLUMNS).decode("utf-8")


def masked(id_type: str, value: str) -> str:
    return mask_id(id_type, value)


def read_region(file_hash: str, page_number: int, rect: tuple[float, float, float, float],
                operator: "auth.Identity | str", *,
                engine: str | None = None, lang: str | None = None):
    """Region re-OCR of the reviewed document (see overlay.read_region); audited as 'reocr'.

    rect is a plain rectangle (x0, y0, x1, y1) in page pixels (the desk reads it off its canvas)."""
    from . import overlay

    operator = _allow(operator, "correct")
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    s = get_settings()
    region = overlay.read_region(v.result, page_number, rect, engine=engine or s.ocr_engine,
                                 lang=lang or s.ocr_model_lang)
    audit("reocr", file_hash, operator, {"page": page_number, "rect": list(region.rect),
                                         "lines": len(region.lines), "ids": [i.type for i in region.ids]})
    return region
