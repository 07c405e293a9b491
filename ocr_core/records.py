"""The life of a document record: `keep` a scan, `erase` every copy of it.

Who writes what (see README "Data model"):

- ``documents`` (the record, one row per file hash): its OCR result, once, encrypted; the review
  decision; the reviewed ID counts and attention flags. Written by `keep` (every adapter's scan:
  desk, API, embedded jobs, the Celery result consumer) and by `review` (decisions, counts).
- ``corrections`` / ``audit``: written by `review` only.
- ``ocr_jobs``: a job's status and its file hash, the reference to the record; no result.
- ``cache``: an index of results by file hash and engine/model/parameter version; an entry whose
  result the record holds keeps no copy of it (`store.ResultCache.link`).
- ``id_index``: keyed hashes of the reviewed ID numbers and names (`id_index`), for search.
- ``cases``: the document's case label (`cases`).
"""
from __future__ import annotations

from typing import Any

from . import auth, cases, documents, files, id_index, redact, review, store
from .config import Settings, get_settings
from .jobs import JobStore, forget_queued
from .logs import log
from .models import DocumentResult
from .store import ResultCache, connect, scrub

SYSTEM = "system"  # the operator recorded for automatic decisions


def keep(result: DocumentResult, data: bytes | None = None, *, settings: Settings | None = None) -> None:
    """Keep a scanned document: its record (the result, once); the uploaded file, encrypted
    (``STORE_ORIGINALS=true``), or else only its masked page images (any other stored copy of
    the upload, e.g. one queued for a job, is removed then); the cache's index entry; the
    reviewed counts (earlier corrections still apply); and AUTO_APPROVE."""
    settings = settings or get_settings()
    db = connect(settings.db_path)
    originals = settings.store_originals
    before = review.fingerprint(result.file_hash)  # a re-scan that reads it otherwise reopens a decision
    if not originals and data is not None:  # before the record appears: a delete that sees it finds them
        stamp = files.masked_stamp(result)  # once per version of the result, not on every cached hit
        if files.masked_version(result.file_hash, settings) != stamp:
            redact.store_masked(result, data, settings)
            files.set_masked_version(result.file_hash, stamp, settings)
    documents.save(result, data if originals else None, db=db, settings=settings)
    if not originals:
        files.delete_original(result.file_hash, settings)
    ResultCache(settings, db).link(result.file_hash, result.engine_version)
    review.refresh(result.file_hash, before=before, operator=SYSTEM)
    auto_approve(result.file_hash, settings)


def auto_approve(file_hash: str, settings: Settings | None = None) -> bool:
    """With AUTO_APPROVE: approve, as `system` (audited), a pending document whose IDs are all valid,
    at least AUTO_APPROVE_MIN_CONFIDENCE and of its type's kind, the type known."""
    from . import reviewed

    s = settings or get_settings()
    if not s.auto_approve:
        return False
    rv = reviewed.get(file_hash)
    if rv is None or rv.review_status != "pending" or rv.attention or not rv.valid_ids:
        return False
    db = connect(s.db_path)
    documents.set_review(file_hash, "approved", SYSTEM, None, db=db)
    review.audit("auto_approve", file_hash, SYSTEM, {"status": "approved",
                                                      "min_confidence": s.auto_approve_min_confidence}, db=db)
    return True


def erase(file_hash: str, operator: "auth.Identity | str", *, settings: Settings | None = None) -> bool:
    """Delete every copy of a document: its record, corrections, job rows, cache entries, search index
    entries, the file names in the scan log, the stored file, and with Celery the job's result and
    queued file in Redis. The audit trail is append-only and hash-chained (`auditlog`), so the
    document's earlier entries stay; they hold no ID number and their details (reasons) are
    encrypted; the deletion itself is audited (who with their role, when, which hash). True when
    anything was found."""
    name = review.need_operator(operator)
    operator = operator if isinstance(operator, auth.Identity) else name  # an identity's role is audited
    settings = settings or get_settings()
    db = connect(settings.db_path)
    jobs = JobStore(settings, db)
    job_ids = jobs.ids_for(file_hash)
    counts: dict[str, Any] = {}
    with review.atomic(db):
        counts["documents"] = documents.delete_row(file_hash, db)
        counts["corrections"] = review.delete_corrections(file_hash, db)
        counts["cache"] = ResultCache(settings, db).delete(file_hash)
        counts["ocr_jobs"] = jobs.delete_for(file_hash)
        counts["id_index"] = id_index.delete(db, file_hash)
        counts["cases"] = cases.delete(db, file_hash)
        store.forget_scan_file(db, file_hash)
        found = any(counts.values())
        found = files.delete(file_hash, settings) or found
        if found:  # the act is audited (the chained trail keeps its earlier entries)
            review.audit("delete", file_hash, operator, {"found": True}, db=db)
    if settings.broker_url:
        forget_queued(settings, file_hash, job_ids)  # the queue adapter registered as the job backend
    scrub(db)
    log.info("document erased", extra={"event": "erase", "file_hash": file_hash[:16], "jobs": len(job_ids)})
    return bool(found)
