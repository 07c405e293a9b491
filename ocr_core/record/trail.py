"""The record's audit trail: every act on a document (correct, add_id, remove_id, correct_field,
add_field, remove_field, approve, reject, needs_review, recapture, review_reopened, type_changed,
unmask, delete, reocr, ...)
is a row in ``audit`` (chained, append-only: see `auditlog`); audit details carry no ID numbers
and no field values. `audit_trail` is the trail for people, with the corrections' values masked.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .. import auditlog, auth
from ..privacy import mask_data, mask_id, mask_text
from ..store import connect
from . import repository

# one write transaction, taken before reading: a save reads the document and writes its
# corrections with no other save in between, and writes all of them or none
atomic = auditlog.atomic


def audit(action: str, file_hash: str | None, operator: "auth.Identity | str", detail: dict[str, Any] | None = None,
          db: sqlite_utils.Database | None = None) -> int:
    """Write one audit row (detail must not hold ID numbers; stored encrypted, reasons may be
    personal), chained to the one before, and a JSON log line."""
    role = operator.role if isinstance(operator, auth.Identity) else None
    return auditlog.write(action, file_hash, str(operator), detail, role=role, db=db)


def audit_rows(file_hash: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    return auditlog.rows(file_hash, limit)


def audit_trail(file_hash: str, limit: int = 500) -> list[dict[str, Any]]:
    """A document's trail for people: action, operator, role, time, and for corrections what was
    corrected (id_type, or the named field's key) and the before/after values, masked
    (Aadhaar/VID) — newest first."""
    rows = audit_rows(file_hash, limit)
    corr = {c["id"]: c for c in repository.corrections(file_hash, connect())}
    out = []
    for r in rows:
        d = dict(r["detail"])
        item = {"id": r["id"], "action": r["action"], "operator": r["operator"], "role": r.get("role"),
                "time": r["time"], "before": None, "after": None, "id_type": d.get("id_type"),
                "field": d.get("field"), "reason": d.get("reason")}
        if r["action"] == "type_changed":  # the type a correction re-derived: before and after
            item["before"], item["after"] = d.get("before"), d.get("after")
        c = corr.get(d.get("correction"))
        if c is not None and c["field"].startswith("field:"):
            item["before"], item["after"] = mask_text(c["before"]), mask_text(c["after"])
            item["reason"] = c["reason"] or None
        elif c is not None:
            before_type = c["meta"].get("before_type", c["id_type"])
            item["before"] = mask_id(before_type, c["before"]) if c["before"] else ""
            item["after"] = mask_id(c["id_type"], c["after"]) if c["after"] else ""
            item["reason"] = c["reason"] or None
        out.append(item)
    return mask_data(out)  # reasons too (the desk shows this list; the API masks its answers anyway)
