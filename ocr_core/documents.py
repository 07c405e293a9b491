"""Documents kept for review and history: one row per file hash, the latest result (encrypted),
its review status. The OCR's original result is never overwritten by corrections (see review)."""
from __future__ import annotations

import json
import time
from typing import Any

import sqlite_utils

from . import crypto, files
from .models import DocumentResult
from .store import ResultCache, connect, schema_hook, scrub

REVIEW_STATUSES = ("pending", "approved", "rejected", "needs_review")
SEALED = ("filename", "review_reason")  # personal data in clear columns: stored encrypted (crypto)


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """A ``documents`` row as callers see it: the sealed columns decrypted (plain legacy values
    pass as they are)."""
    row = dict(row)
    for col in SEALED:
        if col in row:
            row[col] = crypto.decrypt_maybe(row[col])
    return row


@schema_hook
def _schema(db: sqlite_utils.Database) -> None:
    if "documents" not in db.table_names():
        db["documents"].create({
            "file_hash": str, "filename": str, "media_type": str, "document_type": str, "pages": int,
            "n_ids": int, "n_invalid_ids": int, "min_confidence": float, "engine": str, "result": str,
            "created_at": float, "updated_at": float, "review_status": str, "reviewed_by": str,
            "reviewed_at": float, "review_reason": str,
        }, pk="file_hash", if_not_exists=True)
        db["documents"].create_index(["created_at"], if_not_exists=True)
        db["documents"].create_index(["review_status"], if_not_exists=True)


def save(result: DocumentResult, data: bytes | None = None, db: sqlite_utils.Database | None = None) -> None:
    """Keep a scanned document (and its file, when given) for review and history."""
    db = db or connect()
    if data is not None:
        files.put(result.file_hash, data)
    now = time.time()
    row = {"file_hash": result.file_hash, "filename": crypto.encrypt_maybe(result.filename), "media_type": result.media_type,
           "document_type": result.document_type, "pages": len(result.pages),
           "n_ids": sum(i.valid for i in result.ids), "n_invalid_ids": sum(not i.valid for i in result.ids),
           "min_confidence": result.min_confidence, "engine": result.engine,
           "result": crypto.encrypt_text(json.dumps(result.to_dict(unmask=True), ensure_ascii=False)),
           "updated_at": now}
    existing = db.execute("select created_at from documents where file_hash = ?", [result.file_hash]).fetchone()
    if existing:
        db["documents"].update(result.file_hash, row)
    else:
        db["documents"].insert({**row, "created_at": now, "review_status": "pending"})


def load(file_hash: str, db: sqlite_utils.Database | None = None) -> DocumentResult | None:
    db = db or connect()
    row = db.execute("select result from documents where file_hash = ?", [file_hash]).fetchone()
    if not row:
        return None
    return DocumentResult.from_dict(json.loads(crypto.decrypt_text(row[0])))


def get_row(file_hash: str, db: sqlite_utils.Database | None = None) -> dict[str, Any] | None:
    db = db or connect()
    rows = list(db.query("select * from documents where file_hash = ?", [file_hash]))
    if not rows:
        return None
    row = plain(rows[0])
    row.pop("result", None)
    return row


def set_review(file_hash: str, status: str, operator: str, reason: str | None,
               db: sqlite_utils.Database | None = None) -> None:
    """Write a review decision (the reason is stored encrypted)."""
    db = db or connect()
    db["documents"].update(file_hash, {"review_status": status, "reviewed_by": operator, "reviewed_at": time.time(),
                                       "review_reason": crypto.encrypt_maybe(reason or None)})


def delete(file_hash: str, db: sqlite_utils.Database | None = None) -> bool:
    """Remove the document, its stored file and its cached results."""
    db = db or connect()
    n = db.execute("delete from documents where file_hash = ?", [file_hash]).rowcount
    ResultCache(db=db).delete(file_hash)
    removed = files.delete(file_hash)
    scrub(db)  # the deleted rows' bytes leave the WAL too (pages are zeroed: secure_delete)
    return bool(n or removed)


def set_id_counts(file_hash: str, ids: list, db: sqlite_utils.Database | None = None) -> None:
    """Store the reviewed ID counts (corrections applied) so history filters and metrics see the
    document as corrected. Plain UPDATE: stays inside the caller's transaction."""
    db = db or connect()
    db.conn.execute("update documents set n_ids = ?, n_invalid_ids = ?, updated_at = ? where file_hash = ?",
                    [sum(1 for i in ids if i.valid), sum(1 for i in ids if not i.valid), time.time(), file_hash])
