"""Review of a kept document: ID corrections, review status, audit trail, unmask, export.

The OCR's original result (``documents.load``) is never overwritten. Every change an operator makes
is a row in ``corrections`` (before/after encrypted) and is replayed over the original by
``view()``. Every act (correct, add_id, remove_id, approve, reject, needs_review, unmask, delete,
reocr) is a row in ``audit``; audit details carry no ID numbers.

IDs are addressed by a stable key: ``ocr-<i>`` for the i-th ID the OCR found, ``new-<hex>`` for
one an operator added.
"""
from __future__ import annotations

import csv
import io
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlite_utils

from . import crypto, documents
from .config import get_settings
from .ids import validate_id
from .logs import log
from .models import ID_TYPES, DetectedID, DocumentResult
from .privacy import MASKED_TYPES, mask_id
from .store import connect, schema_hook

STATUS_ACTIONS = {"approved": "approve", "rejected": "reject", "needs_review": "needs_review",
                  "pending": "reopen"}
ORIGINS = ("ocr", "edited", "added")


@schema_hook
def _schema(db: sqlite_utils.Database) -> None:
    if "corrections" not in db.table_names():
        db["corrections"].create({"id": int, "file_hash": str, "field": str, "id_type": str, "before": str,
                                  "after": str, "operator": str, "reason": str, "time": float, "meta": str},
                                 pk="id", if_not_exists=True)
        db["corrections"].create_index(["file_hash"], if_not_exists=True)
    if "audit" not in db.table_names():
        db["audit"].create({"id": int, "time": float, "operator": str, "action": str, "file_hash": str,
                            "detail": str}, pk="id", if_not_exists=True)
        db["audit"].create_index(["file_hash"], if_not_exists=True)
        db["audit"].create_index(["time"], if_not_exists=True)


# ---------------------------------------------------------------- audit
def audit(action: str, file_hash: str | None, operator: str, detail: dict[str, Any] | None = None,
          db: sqlite_utils.Database | None = None) -> int:
    """Write one audit row (detail must not hold ID numbers) and a JSON log line."""
    db = db or connect()
    row = {"time": time.time(), "operator": operator, "action": action, "file_hash": file_hash,
           "detail": crypto.encrypt_text(json.dumps(detail or {}, ensure_ascii=False))}  # reasons may be personal
    rid = db["audit"].insert(row).last_pk
    log.info("review", extra={"event": action, "file_hash": (file_hash or "")[:16], "operator": operator})
    return int(rid)


def audit_rows(file_hash: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    db = connect()
    where, args = ("where file_hash = ?", [file_hash]) if file_hash else ("", [])
    rows = list(db.query(f"select * from audit {where} order by id desc limit ?", [*args, limit]))
    for r in rows:
        d = r["detail"] or "{}"
        r["detail"] = json.loads(crypto.decrypt_text(d) if d.startswith(crypto.PREFIX) else d)
    return rows


def _need_operator(operator: str) -> str:
    operator = (operator or "").strip()
    if not operator:
        raise ValueError("enter your name as operator first: every review action is stamped with it")
    return operator


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

    def id_by_key(self, key: str) -> DetectedID | None:
        return self.result.ids[self.keys.index(key)] if key in self.keys else None

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
        if r["reason"] and r["reason"].startswith(crypto.PREFIX):
            r["reason"] = crypto.decrypt_text(r["reason"])
    return rows


def _operator_id(id_type: str, value: str, meta: dict[str, Any]) -> DetectedID:
    norm, valid, reason = validate_id(id_type, value)
    return DetectedID(type=id_type, value=norm, valid=valid, confidence=1.0, page=int(meta.get("page", 1)),
                      box=meta.get("box"), reason=reason)


def apply_corrections(original: DocumentResult, rows: Iterable[dict[str, Any]]) -> tuple[list[str], list[DetectedID], list[str]]:
    ids: dict[str, DetectedID] = {f"ocr-{i}": d for i, d in enumerate(original.ids)}
    origin = {k: "ocr" for k in ids}
    for r in rows:
        key = r["field"].removeprefix("id:")
        if not r["after"]:
            ids.pop(key, None)
            continue
        old = ids.get(key)
        new = _operator_id(r["id_type"], r["after"], r["meta"])
        if old is not None:
            new.page, new.box = old.page, old.box
            new.raw = old.raw or (old.value if old.value != new.value else None)
            origin[key] = "edited"
        else:
            origin[key] = "added"
        ids[key] = new
    keys = list(ids)
    return keys, [ids[k] for k in keys], [origin[k] for k in keys]


def view(file_hash: str) -> View | None:
    """The document with every correction applied (the OCR original is kept apart)."""
    original = documents.load(file_hash)
    if original is None:
        return None
    rows = corrections(file_hash)
    keys, ids, origins = apply_corrections(original, rows)
    result = DocumentResult.from_dict(original.to_dict(unmask=True))
    result.ids = ids
    result.cached = original.cached
    return View(result=result, keys=keys, origins=origins, row=documents.get_row(file_hash) or {},
                n_corrections=len(rows), original=original)


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
                    "confidence": round(float(d.confidence), 3), "reason": d.reason or "", "origin": origin,
                    "page": d.page})
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


def _write(db, file_hash: str, key: str, id_type: str, before: str, after: str, operator: str, reason: str,
           meta: dict[str, Any] | None, action: str) -> int:
    cid = db["corrections"].insert({
        "file_hash": file_hash, "field": f"id:{key}", "id_type": id_type,
        "before": crypto.encrypt_text(before) if before else "", "after": crypto.encrypt_text(after) if after else "",
        "operator": operator, "reason": crypto.encrypt_text(reason) if reason else "", "time": time.time(),
        "meta": json.dumps(meta or {})}).last_pk
    audit(action, file_hash, operator, {"correction": cid, "key": key, "id_type": id_type}, db=db)
    return int(cid)


def save_corrections(file_hash: str, rows: list[dict[str, Any]], operator: str, reason: str = "") -> list[int]:
    """Store the difference between the editor rows (key, type, value) and the reviewed document.

    A row whose key is missing is a removal; a row without a key is an addition. Returns the new
    correction ids (empty when nothing changed)."""
    operator = _need_operator(operator)
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    db = connect()
    out: list[int] = []
    seen = set()
    for r in rows:
        key = (r.get("key") or "").strip() or None
        id_type = (r.get("type") or "").strip().upper()
        value = r.get("value") or ""
        if key:
            seen.add(key)
        if not key and not str(value).strip():
            continue  # an empty new row
        chk = check_row(v, key, id_type, str(value))
        if not chk["changed"]:
            continue
        if chk["reason"] in ("empty value", "type the full number (or unmask it first)") or id_type not in ID_TYPES:
            raise ValueError(f"{id_type or 'ID'}: {chk['reason']}")
        cur = v.id_by_key(key) if key else None
        if cur is not None:
            out.append(_write(db, file_hash, key, id_type, cur.value, chk["value"], operator, reason,
                              {"before_type": cur.type, "page": cur.page}, "correct"))
        else:
            out.append(_write(db, file_hash, f"new-{uuid.uuid4().hex[:8]}", id_type, "", chk["value"], operator,
                              reason, {"page": int(r.get("page") or 1), "box": r.get("box")}, "add_id"))
    for key, d in zip(v.keys, v.result.ids):
        if key not in seen:
            out.append(_write(db, file_hash, key, d.type, d.value, "", operator, reason, {"page": d.page},
                              "remove_id"))
    return out


def add_id(file_hash: str, id_type: str, value: str, operator: str, *, page: int = 1,
           box: list[list[float]] | None = None, reason: str = "") -> int:
    """Add one ID (e.g. found by region re-OCR) to the reviewed document.

    Written as one insert, not as a diff against the document as it looked a moment ago: an ID
    another operator or process added meanwhile is never taken for a removal."""
    operator = _need_operator(operator)
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    id_type = (id_type or "").strip().upper()
    if not str(value or "").strip():
        raise ValueError("nothing to add")
    chk = check_row(v, None, id_type, str(value))
    if id_type not in ID_TYPES or chk["reason"] in ("empty value", "type the full number (or unmask it first)"):
        raise ValueError(f"{id_type or 'ID'}: {chk['reason']}")
    return _write(connect(), file_hash, f"new-{uuid.uuid4().hex[:8]}", id_type, "", chk["value"], operator, reason,
                  {"page": int(page or 1), "box": box}, "add_id")


def _keep_all(file_hash: str) -> list[dict[str, Any]]:
    v = view(file_hash)
    return [{"key": k, "type": d.type, "value": d.value} for k, d in zip(v.keys, v.result.ids)] if v else []


# ---------------------------------------------------------------- status, unmask, delete
def set_status(file_hash: str, status: str, operator: str, reason: str = "") -> dict[str, Any]:
    """Approve, reject (a reason is required), mark for review or reopen a document."""
    operator = _need_operator(operator)
    if status not in documents.REVIEW_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    reason = (reason or "").strip()
    if status == "rejected" and not reason:
        raise ValueError("give a reason to reject the document")
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    if status == "approved" and v.invalid:
        bad = ", ".join(sorted({i.type for i in v.invalid}))
        raise ValueError(f"cannot approve with invalid IDs ({bad}): correct or remove them, or mark needs review")
    db = connect()
    documents.set_review(file_hash, status, operator, reason, db=db)
    audit(STATUS_ACTIONS[status], file_hash, operator, {"status": status, "reason": reason} if reason
          else {"status": status}, db=db)
    return documents.get_row(file_hash) or {}


def unmask(file_hash: str, key: str, operator: str) -> str:
    """The full Aadhaar/VID number for an allowed operator (UNMASK_ALLOWED); always audited."""
    operator = _need_operator(operator)
    v = view(file_hash)
    d = v.id_by_key(key) if v else None
    if d is None:
        raise LookupError("no such ID on this document")
    if not get_settings().may_unmask(operator):
        audit("unmask_denied", file_hash, operator, {"key": key, "id_type": d.type})
        raise PermissionError(f"{operator} may not unmask Aadhaar/VID numbers (ask an administrator to add "
                              "you to UNMASK_ALLOWED)")
    audit("unmask", file_hash, operator, {"key": key, "id_type": d.type, "last4": d.value[-4:]})
    return d.value


def delete_document(file_hash: str, operator: str) -> bool:
    """Remove the document, its file, cached results and corrections; the audit keeps the act."""
    operator = _need_operator(operator)
    db = connect()
    db.execute("delete from corrections where file_hash = ?", [file_hash])
    gone = documents.delete(file_hash, db=db)
    audit("delete", file_hash, operator, {"found": gone}, db=db)
    return gone


# ---------------------------------------------------------------- lists
def recent_documents(limit: int = 50) -> list[dict[str, Any]]:
    return [documents.plain(r) for r in connect().query(
        "select file_hash, filename, document_type, review_status, reviewed_by, n_ids, n_invalid_ids, "
        "created_at, updated_at from documents order by updated_at desc limit ?", [limit])]


def next_document(current: str | None) -> str | None:
    """The next document waiting for review (pending or needs review), oldest first, after current."""
    rows = [r["file_hash"] for r in connect().query(
        "select file_hash from documents where review_status in ('pending', 'needs_review') "
        "order by created_at, file_hash")]
    others = [h for h in rows if h != current]
    if not others:
        return None
    if current in rows:
        i = rows.index(current)
        after = [h for h in rows[i + 1:]]
        return after[0] if after else others[0]
    return others[0]


# ---------------------------------------------------------------- export (masked)
def export_dict(file_hash: str) -> dict[str, Any]:
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    d = v.result.to_dict()  # masked
    for item, key, origin in zip(d["ids"], v.keys, v.origins):
        item["key"], item["origin"] = key, origin
    r = v.row
    d["review"] = {"status": r.get("review_status"), "reviewed_by": r.get("reviewed_by"),
                   "reviewed_at": r.get("reviewed_at"), "reason": r.get("review_reason"),
                   "corrections": v.n_corrections}
    return d


def export_json(file_hash: str) -> str:
    return json.dumps(export_dict(file_hash), ensure_ascii=False, indent=2)


CSV_FIELDS = ("file_hash", "filename", "document_type", "review_status", "id_type", "value", "valid",
              "confidence", "page", "reason", "origin")


def export_csv(file_hash: str) -> str:
    d = export_dict(file_hash)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS)
    w.writeheader()
    for i in d["ids"]:
        w.writerow({"file_hash": d["file_hash"], "filename": d["filename"], "document_type": d["document_type"],
                    "review_status": d["review"]["status"], "id_type": i["type"], "value": i["value"],
                    "valid": i["valid"], "confidence": i["confidence"], "page": i["page"],
                    "reason": i["reason"] or "", "origin": i["origin"]})
    return buf.getvalue()


def masked(id_type: str, value: str) -> str:
    return mask_id(id_type, value) if id_type in MASKED_TYPES else value


def read_region(file_hash: str, page_number: int, rect: tuple[float, float, float, float], operator: str, *,
                engine: str | None = None, lang: str | None = None):
    """Region re-OCR of the reviewed document (see overlay.read_region); audited as 'reocr'."""
    from . import overlay

    operator = _need_operator(operator)
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    s = get_settings()
    region = overlay.read_region(v.result, page_number, rect, engine=engine or s.ocr_engine,
                                 lang=lang or s.ocr_model_lang)
    audit("reocr", file_hash, operator, {"page": page_number, "rect": list(region.rect),
                                         "lines": len(region.lines), "ids": [i.type for i in region.ids]})
    return region
