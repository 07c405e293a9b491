"""The document record: one row per file hash holding its OCR result once (encrypted), its review
status and the reviewed ID counts. The OCR's original result is never overwritten by corrections
(see review); job rows (`jobs`) refer to the record by file hash, and the result cache (`store`)
keeps only an index entry for a result the record holds.

`attention` lists why a document needs a person (the review queue, `review.next_document`):
``invalid_id``, ``low_confidence``, ``unknown_type``, ``no_id`` (no valid ID of the type's kind)."""
from __future__ import annotations

import json
import time
from typing import Any

import sqlite_utils

from . import crypto, files, id_index
from .models import DocumentResult
from .store import ResultCache, connect, schema_hook, scrub

REVIEW_STATUSES = ("pending", "approved", "rejected", "needs_review")
KIND_IDS = {"PAN": ("PAN",), "AADHAAR": ("AADHAAR", "AADHAAR_MASKED", "VID"), "DL": ("DL",),
            "PASSPORT": ("PASSPORT", "MRZ"), "UDYAM": ("UDYAM",), "GSTIN": ("GSTIN",), "VOTER_ID": ("EPIC",)}
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
    if "attention" not in db["documents"].columns_dict:
        db["documents"].add_column("attention", str)


def attention(document_type: str, ids: list) -> list[str]:
    """Why this (reviewed) document needs a person; empty when nothing stands out."""
    from .config import get_settings

    floor = get_settings().auto_approve_min_confidence
    out = []
    if any(not i.valid for i in ids):
        out.append("invalid_id")
    if any(i.confidence is not None and i.confidence < floor for i in ids):
        out.append("low_confidence")
    if document_type == "UNKNOWN":
        out.append("unknown_type")
    kinds = KIND_IDS.get(document_type)
    if kinds and not any(i.valid and i.type in kinds for i in ids):
        out.append("no_id")
    return out


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
    first = {**row, "created_at": now, "review_status": "pending"}
    cols = list(first)
    # one statement: two processes keeping the same document at once both succeed (the later wins)
    db.conn.execute(f"insert into documents ({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "
                    f"on conflict(file_hash) do update set {', '.join(f'{c} = excluded.{c}' for c in row)}",
                    [first[c] for c in cols])


def load_dict(file_hash: str, db: sqlite_utils.Database | None = None) -> dict[str, Any] | None:
    """The record's OCR result as stored (unmasked dict), or None."""
    db = db or connect()
    row = db.execute("select result from documents where file_hash = ?", [file_hash]).fetchone()
    return json.loads(crypto.decrypt_text(row[0])) if row and row[0] else None


def load(file_hash: str, db: sqlite_utils.Database | None = None) -> DocumentResult | None:
    d = load_dict(file_hash, db)
    return DocumentResult.from_dict(d) if d is not None else None


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
    """Store what the reviewed IDs (corrections applied) say: their counts, the attention flags and
    the keyed hash index, so history, the queue and metrics see the document as corrected. Plain
    statements: they stay inside the caller's transaction."""
    db = db or connect()
    row = db.conn.execute("select document_type from documents where file_hash = ?", [file_hash]).fetchone()
    flags = ",".join(attention(row[0] if row else "UNKNOWN", ids))
    db.conn.execute("update documents set n_ids = ?, n_invalid_ids = ?, attention = ?, updated_at = ? "
                    "where file_hash = ?", [sum(1 for i in ids if i.valid), sum(1 for i in ids if not i.valid),
                                            flags, time.time(), file_hash])
    id_index.rebuild(db, file_hash, ids)
