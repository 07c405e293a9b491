"""Decisions on a document and who may do what: checked here, for every caller (the desk, the
API, the CLI, the worker).

Who acts is a signed-in ``auth.Identity`` (desk, API): its role is checked against the permission
table (`allow`), and with MAKER_CHECKER nobody approves or rejects a document they corrected
(`four_eyes_block`). A plain name (the Python API, tests) is taken as a trusted caller: only the
four-eyes rule applies to it.

A decision is bound to the version it decided (four eyes that cannot be bypassed). `set_status`
reads the document and writes the decision in one write transaction; the audit entry of an
approval or a rejection records the version it applied to (``version``: the id of the last
correction, ``corrections``: their count), and a caller that passes the ``version`` it showed (the
desk, the API's ``If-Match``) is refused (`StaleVersionError`) when the document changed since.
Any change after an approval or a rejection (whatever writes a correction, `corrections.apply`;
and a re-scan whose reviewed IDs or fields differ, `corrections.refresh`) sends the document back
to ``needs_review`` in the same transaction (`reopen_if_decided`), audited as
``review_reopened`` with the previous status and the reason ("changed after approval" / "changed
after rejection"). So an approved document is always the version its checker saw, and the
approved exports never carry a later value. Approving a document with no ID at all, or of type
UNKNOWN, needs a reason (`approval_needs_reason`, `ReasonRequiredError`), kept with the decision.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils

from .. import auth
from ..config import Settings, get_settings
from ..errors import ReasonRequiredError, StaleVersionError
from ..quality import ADVICE, REASONS
from ..store import connect
from . import repository
from .trail import atomic, audit
from .view import View, find_id, view

# a review status -> the action (`auth.PERMISSIONS`) that sets it, also the audit entry's name
STATUS_ACTIONS = {"approved": "approve", "rejected": "reject", "needs_review": "needs_review",
                  "pending": "reopen", "recapture_requested": "recapture"}
# ask for a new photo: not a final decision (no four eyes; a later correction does not reopen it),
# with the reason (the quality gate's: `quality.REASONS`); the new capture is a new document
RECAPTURE = "recapture_requested"
DECIDED = {"approved": "approval", "rejected": "rejection"}  # statuses a later change reopens
SYSTEM = "system"  # the operator recorded for automatic decisions


def need_operator(operator: "auth.Identity | str") -> str:
    name = str(operator or "").strip()
    if not name:
        raise ValueError("sign in first: every review action is stamped with who did it")
    return name


def allow(who: "auth.Identity | str", action: str) -> "auth.Identity | str":
    """Who acts: a signed-in identity whose role allows `action` (auth.PERMISSIONS), else Forbidden;
    or a trusted caller's name, stripped."""
    name = need_operator(who)
    if isinstance(who, auth.Identity):
        return auth.require(who, action)
    return name


def four_eyes_block(file_hash: str, name: str) -> str | None:
    """Why `name` may not approve or reject this document (MAKER_CHECKER), or None."""
    if not get_settings().maker_checker:
        return None
    n = repository.corrections_by(file_hash, name, connect())
    if not n:
        return None
    return (f"four eyes: you corrected this document ({n} change(s)), so another checker must approve or "
            "reject it (MAKER_CHECKER)")


def approval_needs_reason(v: View) -> list[str]:
    """Why approving this document needs a reason (empty: it does not): it has no ID at all, or
    its type is UNKNOWN. The desk asks for one, the API and the core refuse without it."""
    out = []
    if not v.result.ids:
        out.append("it has no ID")
    if v.result.document_type == "UNKNOWN":
        out.append("its type is UNKNOWN")
    return out


def recapture_reason(v: View) -> str:
    """The reason a request for a new photo is prefilled with: the quality gate's reasons for this
    document, the capture's faults with what to do (``glare: tilt the card away from the light``,
    `quality.ADVICE`), then any other (``low confidence``); empty when it found none."""
    found = (v.result.quality or {}).get("reasons", [])
    return "; ".join(f"{r}: {ADVICE[r]}" if r in ADVICE else r for r in REASONS if r in found)


def set_status(file_hash: str, status: str, operator: "auth.Identity | str", reason: str = "", *,
               version: int | None = None) -> dict[str, Any]:
    """Approve, reject (a reason is required), mark for review, reopen a document, or ask for a new
    photo (``recapture_requested``, a reason is required: operators and checkers may; not a final
    decision, so no four eyes). With MAKER_CHECKER, approving or rejecting a document one corrected
    is refused (auth.Forbidden).

    Read and written in one transaction: the decision is about the version read here, which an
    approval's or rejection's audit entry records (``version``, ``corrections``). `version`: the
    `View.version` the caller showed; when the document has changed since, StaleVersionError.
    Approving a document with no ID or of type UNKNOWN needs a reason (ReasonRequiredError)."""
    if status not in repository.REVIEW_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    operator = allow(operator, STATUS_ACTIONS[status])
    reason = (reason or "").strip()
    db = connect()
    with atomic(db):
        if status in DECIDED:
            block = four_eyes_block(file_hash, str(operator))
            if block:
                raise auth.Forbidden(block)
        if status == "rejected" and not reason:
            raise ReasonRequiredError("give a reason to reject the document")
        if status == RECAPTURE and not reason:
            raise ReasonRequiredError("give the reason for a new photo (e.g. " + ", ".join(REASONS) + ")")
        v = view(file_hash, db=db)
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
        repository.set_review(file_hash, status, str(operator), reason, db=db)
        detail: dict[str, Any] = {"status": status}
        if reason:
            detail["reason"] = reason
        if status in DECIDED or status == RECAPTURE:
            detail.update(version=v.version, corrections=v.n_corrections)
        if unusual:
            detail["approved_with"] = unusual
        audit(STATUS_ACTIONS[status], file_hash, operator, detail, db=db)
    return repository.get_row(file_hash, db) or {}


def reopen_if_decided(db: sqlite_utils.Database, file_hash: str, operator: "auth.Identity | str",
                      version: int | None = None, *, rescan: bool = False) -> str | None:
    """A document approved or rejected before this change goes back to ``needs_review``: the
    decision was about the version before it. Audited as ``review_reopened`` (previous status, the
    reason, the new version; no values). Returns the previous status, None when it was undecided."""
    row = repository.get_row(file_hash, db)
    was = row["review_status"] if row else None
    if was not in DECIDED:
        return None
    why = f"changed after {DECIDED[was]}"
    repository.set_review(file_hash, "needs_review", str(operator), why, db=db)
    detail = {"status": "needs_review", "previous": was, "reason": why, "version": version}
    if rescan:
        detail["rescan"] = True  # the OCR result itself changed (a re-scan), not a correction
    audit("review_reopened", file_hash, operator, detail, db=db)
    return was


def may_unmask(who: "auth.Identity | str") -> bool:
    """Admins and names in UNMASK_ALLOWED (a plain name: only UNMASK_ALLOWED)."""
    s = get_settings()
    if isinstance(who, auth.Identity):
        return auth.may_unmask(who, s.unmask_allowed)
    return s.may_unmask(str(who or "").strip())


def unmask(file_hash: str, key: str, operator: "auth.Identity | str", reason: str = "") -> str:
    """The full Aadhaar/VID number for an admin or a name in UNMASK_ALLOWED, given a reason;
    always audited (who, when, why; a refusal too)."""
    name = need_operator(operator)
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


def auto_approve(file_hash: str, settings: Settings | None = None) -> bool:
    """With AUTO_APPROVE: approve, as `system` (audited), a pending document whose IDs are all valid,
    at least AUTO_APPROVE_MIN_CONFIDENCE and of its type's kind, the type known."""
    s = settings or get_settings()
    if not s.auto_approve:
        return False
    db = connect(s.db_path)
    v = view(file_hash, db=db)
    if v is None or (v.row.get("review_status") or "pending") != "pending" or not any(i.valid for i in v.result.ids) \
            or repository.attention(v.result.document_type, v.result.ids, v.result.fields,
                                    v.result.quality):
        return False
    repository.set_review(file_hash, "approved", SYSTEM, None, db=db)
    audit("auto_approve", file_hash, SYSTEM, {"status": "approved", "min_confidence": s.auto_approve_min_confidence},
          db=db)
    return True
