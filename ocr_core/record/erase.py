"""Deleting a document: `delete_document`, the one way, for every caller (the desk's Review and
History pages, the REST API, the CLI): the caller's role is checked here (`decisions.allow`:
the ``delete`` action), then every copy of the document goes."""
from __future__ import annotations

from typing import Any

from .. import auth, files, id_index, store
from ..config import Settings, get_settings
from ..jobs.select import forget_queued
from ..jobs.table import JobStore
from ..logs import log
from ..store import ResultCache, connect, scrub
from . import cases, repository
from .decisions import allow
from .trail import atomic, audit


def delete_document(file_hash: str, operator: "auth.Identity | str", *, settings: Settings | None = None) -> bool:
    """Delete every copy of a document: its record, corrections, job rows, cache entries, search index
    entries, the file names in the scan log, the stored file, and with Celery the job's result and
    queued file in Redis. A signed-in identity needs the ``delete`` right (auth.Forbidden
    otherwise); a plain name is a trusted caller. The audit trail is append-only and hash-chained
    (`auditlog`), so the document's earlier entries stay; they hold no ID number and their details
    (reasons) are encrypted; the deletion itself is audited (who with their role, when, which
    hash). True when anything was found."""
    operator = allow(operator, "delete")  # an identity's role is audited
    settings = settings or get_settings()
    db = connect(settings.db_path)
    jobs = JobStore(settings, db)
    job_ids = jobs.ids_for(file_hash)
    counts: dict[str, Any] = {}
    with atomic(db):
        counts["documents"] = repository.delete_row(file_hash, db)
        counts["corrections"] = repository.delete_corrections(file_hash, db)
        counts["cache"] = ResultCache(settings, db).delete(file_hash)
        counts["ocr_jobs"] = jobs.delete_for(file_hash)
        counts["id_index"] = id_index.delete(db, file_hash)
        counts["cases"] = cases.delete(db, file_hash)
        store.forget_scan_file(db, file_hash)
        found = any(counts.values())
        found = files.delete(file_hash, settings) or found
        if found:  # the act is audited (the chained trail keeps its earlier entries)
            audit("delete", file_hash, operator, {"found": True}, db=db)
    if settings.broker_url:
        forget_queued(settings, file_hash, job_ids)  # the queue adapter registered as the job backend
    scrub(db)
    log.info("document erased", extra={"event": "erase", "file_hash": file_hash[:16], "jobs": len(job_ids)})
    return bool(found)
