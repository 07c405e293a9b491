"""Corrections of a kept document: ONE write path, `apply`, used by the desk (`save_corrections`:
its editor's rows and field inputs), the REST API and the CLI (`apply_changes`: key-addressed
changes) and region re-OCR (`add_id`).

The OCR's original result (``repository.load``) is never overwritten. Every change an operator
makes is a row in ``corrections`` (before/after encrypted, `repository.add_correction`) and an
audit row (no values), and is replayed over the original by `view.view`. A correction must be a
valid value (removing is always allowed): what is stored as corrected is what leaves the desk.

Versions: a view carries a ``version`` (the id of the last correction it applies). `apply` takes
the version its caller showed (``expected_version``):

- ``merge=False`` (the API, the CLI): the changes are about that version; when the document has
  changed since, `StaleVersionError` (the API's 412) and nothing is saved.
- ``merge=True`` (the desk's editor, which submits every row it showed): only what this operator
  changed relative to the shown version is stored. Changes another operator saved meanwhile are
  kept; where both changed the same ID or field the later save wins and its correction's
  ``before`` is the value the other operator saved (``meta.concurrent`` marks it).

Either way the check and the writes run in one write transaction, the caller's role is checked
(`decisions.allow`), the counts and search index follow, and a decided document goes back to
``needs_review`` (`decisions.reopen_if_decided`).
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Any, Iterable

import sqlite_utils

from .. import auth, id_index
from ..config import get_settings
from ..errors import StaleVersionError
from ..fields.values import spaces
from ..models import ID_TYPES, Field
from ..privacy import MASKED_TYPES
from ..store import connect
from . import repository
from .decisions import allow, reopen_if_decided
from .replay import field_kinds, operator_field
from .trail import atomic, audit
from .view import View, check_field, check_row, digest, listed, masked, view


FIELD_ACTIONS = {"add": "add_field", "correct": "correct_field", "remove": "remove_field"}
Write = tuple[str, str, "str | None", str, str, dict]  # action, key, id_type, before, after, meta
FieldChange = tuple[str, str, str, str, dict]  # action, key, before, after, meta


class ChangeError(ValueError):
    """A change that cannot be saved: ``str()`` names it ("change 2 (PAN-p1-1): ..."), `reason` is why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason = reason


def _write(db, file_hash: str, key: str, id_type: str | None, before: str, after: str,
           operator: "auth.Identity | str", reason: str, meta: dict[str, Any] | None, action: str, *,
           target: str = "id") -> int:
    """One correction row (values and reason encrypted) and its audit row (no values in it).
    target: "id" (an ID's key) or "field" (a named field's key)."""
    cid = repository.add_correction(db, file_hash, f"{target}:{key}", id_type, before, after, str(operator), reason,
                                    meta)
    detail: dict[str, Any] = ({"correction": cid, "key": key, "id_type": id_type} if target == "id"
                              else {"correction": cid, "field": key})
    if (meta or {}).get("concurrent"):
        detail["concurrent"] = True
    audit(action, file_hash, operator, detail, db=db)
    return cid


def _write_field(db, file_hash: str, change: tuple[str, str, str, str, dict[str, Any]],
                 operator: "auth.Identity | str", reason: str) -> int:
    action, key, before, after, meta = change
    return _write(db, file_hash, key, None, before, after, operator, reason, meta, FIELD_ACTIONS[action],
                  target="field")


def _storable(chk: dict[str, Any]) -> None:
    """A correction is stored only as a valid value (the reason otherwise, for the 422 / the desk)."""
    if chk["type"] not in ID_TYPES or not chk["valid"]:
        raise ValueError(f"{chk['type'] or 'ID'}: {chk['reason'] or 'not valid'}")


@contextmanager


def _editing(file_hash: str):
    """(db, the document as it is now) inside one write transaction: the check and the writes of
    a save see no other save in between. LookupError when there is no such document."""
    db = connect()
    with atomic(db):
        now = view(file_hash, db=db)
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
    planned[key] = operator_field(key, kinds[key], chk["value"], meta, cur)
    return ("correct" if cur is not None else "add", key, (cur.value or "") if cur else "", chk["value"], meta)


def _refresh_counts(db: sqlite_utils.Database, file_hash: str,
                    operator: "auth.Identity | str | None" = None) -> View | None:
    """The row follows the reviewed view: counts, flags, names and the type re-derived from the
    corrected IDs (`replay.retype`); a type change by a correction is audited as ``type_changed``."""
    v = view(file_hash, db=db)
    if v is not None:
        row = repository.get_row(file_hash, db) or {}
        was = row.get("document_type")
        repository.set_id_counts(file_hash, v.result.ids, db, v.result.fields, v.result.quality,
                                 document_type=v.result.document_type)
        if operator is not None and was and was != v.result.document_type:
            audit("type_changed", file_hash, operator, {"before": was, "after": v.result.document_type,
                                                        "version": v.version}, db=db)
        id_index.rebuild_names(db, file_hash, id_index.names_of(v.result))  # the reviewed names, searchable
    return v


def _changed(db: sqlite_utils.Database, file_hash: str, operator: "auth.Identity | str") -> None:
    """After corrections were written (inside their transaction): the counts follow, and a decided
    document goes back to needs_review (`reopen_if_decided`)."""
    v = _refresh_counts(db, file_hash, operator)
    reopen_if_decided(db, file_hash, operator, v.version if v else None)


def apply(file_hash: str, changes: list[dict[str, Any]], who: "auth.Identity | str", *,
          expected_version: int | None = None, reason: str = "", fields: dict[str, str] | None = None,
          merge: bool = False) -> list[int]:
    """Store corrections of a document; the new correction ids (empty when nothing changed).

    `changes`: with ``merge=False`` key-addressed changes (`apply_changes`); with ``merge=True``
    the editor's rows and `fields` its field inputs (`save_corrections`). `expected_version`: the
    `View.version` the caller showed (None: the document as it is now). Every change is checked
    before any is written (ValueError with the reason); one transaction; see the module doc."""
    who = allow(who, "correct")
    if not merge and not changes:
        raise ValueError("no changes given")
    with _editing(file_hash) as (db, now):
        if merge:
            shown = now if expected_version is None or expected_version >= now.version \
                else view(file_hash, as_of=expected_version, db=db)
            writes, field_plan = _plan_editor(shown, now, changes, fields or {})
        else:
            if expected_version is not None and int(expected_version) != now.version:
                raise StaleVersionError(
                    f"the document changed after the version you saw ({int(expected_version)}; now {now.version}, "
                    f"{now.n_corrections} correction(s)): read it again, then send your changes")
            writes, field_plan = _plan_changes(now, changes)
        out = [_write(db, file_hash, key, id_type, before, after, who, reason, meta, action)
               for action, key, id_type, before, after, meta in writes]
        out += [_write_field(db, file_hash, change, who, reason) for change in field_plan]
        if out:
            _changed(db, file_hash, who)
    return out


def save_corrections(file_hash: str, rows: list[dict[str, Any]], operator: "auth.Identity | str", reason: str = "",
                     *, seen: int | None = None, fields: dict[str, str] | None = None) -> list[int]:
    """The desk's form of `apply` (``merge=True``): the editor rows (key, type, value) and the
    field inputs (`fields`: key -> the text in its input) against the document as the editor
    showed it, `view(file_hash, as_of=seen)`. A shown row whose key is missing is a removal; a row
    without a key is an addition; an emptied field input removes the field, a filled one sets it."""
    return apply(file_hash, rows, operator, expected_version=seen, reason=reason, fields=fields, merge=True)


def apply_changes(file_hash: str, changes: list[dict[str, Any]], operator: "auth.Identity | str",
                  reason: str = "", *, version: int | None = None) -> list[int]:
    """The REST API's and the CLI's form of `apply`: ``{"key", "value"[, "type"]}`` edits,
    ``{"type", "value"[, "page"]}`` adds, ``{"key", "remove": true}`` removes an ID;
    ``{"field", "value"}`` sets a named field (edits it, or adds it where the OCR found none) and
    ``{"field", "remove": true}`` removes it (the key must be one of the document's type,
    `field_kinds`). `version`: the version the client read (its ``If-Match``); StaleVersionError
    when the document changed since. Another operator's earlier changes are kept."""
    return apply(file_hash, changes, operator, expected_version=version, reason=reason)


def add_id(file_hash: str, id_type: str, value: str, operator: "auth.Identity | str", *, page: int = 1,
           box: list[list[float]] | None = None, reason: str = "", origin: str = "added",
           confidence: float | None = None) -> int:
    """Add one ID (e.g. found by region re-OCR: origin "region", with its confidence) to the
    reviewed document (`apply`). An ID already listed is not added twice. Written as one insert,
    not as a diff against the document as it looked a moment ago: an ID another operator or
    process added meanwhile is never taken for a removal."""
    operator = allow(operator, "correct")
    id_type = (id_type or "").strip().upper()
    if not str(value or "").strip():
        raise ValueError("nothing to add")
    change = {"type": id_type, "value": str(value), "page": int(page or 1), "box": box, "origin": origin,
              "confidence": confidence}
    try:
        cid = apply(file_hash, [change], operator, reason=reason)[0]
    except ChangeError as e:
        raise ValueError(e.reason) from None
    if id_type in MASKED_TYPES and box:
        from .pages import remask_stored

        remask_stored(file_hash, int(page or 1))  # the kept masked copy covers it too
    return cid


def _plan_editor(shown: View, now: View, rows: list[dict[str, Any]], fields: dict[str, str]
                 ) -> tuple[list[Write], list[FieldChange]]:
    """The desk's editor: what this operator changed relative to `shown`, as writes against `now`.
    IDs and fields another operator added, changed or removed after `shown` are left as they are,
    unless this operator changed the same one: then this save wins (meta.concurrent)."""
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
    for fkey, text in fields.items():
        if not check_field(shown, fkey, text)["changed"]:
            continue  # as shown: whatever someone else saved meanwhile stays
        was = shown.fields.get(fkey)
        empty = not spaces(str(text or ""))
        if empty and fkey not in planned:
            continue  # removed meanwhile
        try:
            change = _field_change(now, planned, fkey, text, empty)
        except ValueError as e:
            raise ChangeError(fkey, str(e)) from None
        if change is not None:
            if (was.value if was else None) != (now.fields[fkey].value if fkey in now.fields else None):
                change[4]["concurrent"] = True  # another save changed (or removed) this field after `seen`
            field_plan.append(change)
    writes: list[Write] = []
    for action, key, id_type, after, r in plan:
        if action == "add_id":
            writes.append(("add_id", f"new-{uuid.uuid4().hex[:8]}", id_type, "", after,
                           {"page": int(r.get("page") or 1), "box": r.get("box")}))
            continue
        was, cur = shown.id_by_key(key) or now.id_by_key(key), now.id_by_key(key)
        meta: dict[str, Any] = {"page": (cur or was).page}
        if cur is None or (cur.type, cur.value) != (was.type, was.value):
            meta["concurrent"] = True  # another save changed (or removed) this ID after `seen`
        if action == "remove_id":
            writes.append(("remove_id", key, cur.type, cur.value, "", meta))
            continue
        if cur is None:
            meta["box"] = was.box  # removed meanwhile: this edit brings it back
        else:
            meta["before_type"] = cur.type
        writes.append(("correct", key, id_type, cur.value if cur else "", after, meta))
    return writes, field_plan


def _plan_changes(now: View, changes: list[dict[str, Any]]) -> tuple[list[Write], list[FieldChange]]:
    """Key-addressed changes, checked in order against `now` (and the changes before them)."""
    plan: list[Write] = []
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
                raise ChangeError(f"change {n} (field {fkey})", str(e)) from None
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
                raise ChangeError(f"change {n} ({key})", str(e)) from None
            plan.append(("correct", key, id_type, cur.value, chk["value"], {"page": cur.page, "before_type": cur.type}))
            continue
        id_type = str(c.get("type") or "").strip().upper()
        try:
            after = _addable(now, id_type, str(c.get("value") or ""), [(p[2], p[4]) for p in plan])
        except ValueError as e:
            raise ChangeError(f"change {n} (add)", str(e)) from None
        meta = {"page": int(c.get("page") or 1), "box": c.get("box"),
                "origin": c.get("origin") if c.get("origin") in ("added", "region") else "added"}
        if c.get("confidence") is not None:
            meta["confidence"] = round(float(c["confidence"]), 4)
        plan.append(("add_id", f"new-{uuid.uuid4().hex[:8]}", id_type, "", after, meta))
    return plan, field_plan


def refresh(file_hash: str, *, before: str | None = None, operator: "auth.Identity | str" = "system") -> None:
    """Recompute what the reviewed IDs say (counts, attention, search index), e.g. after a re-scan.
    before: the `fingerprint` before the re-scan; when the reviewed IDs or fields differ now (another
    engine read them otherwise), a decided document goes back to needs_review (`reopen_if_decided`)."""
    db = connect()
    with atomic(db):
        v = _refresh_counts(db, file_hash)
        if v is not None and before is not None and digest(v) != before:  # v: the view as the re-scan left it
            reopen_if_decided(db, file_hash, operator, v.version, rescan=True)


def read_region(file_hash: str, page_number: int, rect: tuple[float, float, float, float],
                operator: "auth.Identity | str", *,
                engine: str | None = None, lang: str | None = None):
    """Region re-OCR of the reviewed document (see overlay.read_region); audited as 'reocr'.

    rect is a plain rectangle (x0, y0, x1, y1) in page pixels (the desk reads it off its canvas)."""
    from .. import overlay

    operator = allow(operator, "correct")
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    s = get_settings()
    region = overlay.read_region(v.result, page_number, rect, engine=engine or s.ocr_engine,
                                 lang=lang or s.ocr_model_lang)
    audit("reocr", file_hash, operator, {"page": page_number, "rect": list(region.rect),
                                         "lines": len(region.lines), "ids": [i.type for i in region.ids]})
    return region
