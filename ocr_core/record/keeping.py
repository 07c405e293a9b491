"""Keeping a scanned document: its record (the result, once), the uploaded file or its masked
page images, the result cache's index entry, the reviewed counts, and AUTO_APPROVE. Every
adapter's scan ends here: the desk, the API, embedded jobs, the Celery result consumer.

Who writes what (see README "Data model"):

- ``documents`` (the record, one row per file hash): its OCR result, once, encrypted; the review
  decision; the reviewed ID counts and attention flags (`repository`). Written here and by
  `corrections` / `decisions`.
- ``corrections`` / ``audit``: written by `corrections`, `decisions` and `erase` (through `trail`).
- ``ocr_jobs``: a job's status and its file hash, the reference to the record; no result.
- ``cache``: an index of results by file hash and engine/model/parameter version; an entry whose
  result the record holds keeps no copy of it (`store.ResultCache.link`).
- ``id_index``: keyed hashes of the reviewed ID numbers and names (`id_index`), for search.
- ``cases``: the document's case label (`record.cases`).
"""
from __future__ import annotations

from .. import files, redact
from ..config import Settings, get_settings
from ..models import DocumentResult
from ..store import ResultCache, connect
from . import repository
from .corrections import refresh
from .decisions import SYSTEM, auto_approve
from .view import fingerprint


def keep(result: DocumentResult, data: bytes | None = None, *, settings: Settings | None = None) -> None:
    """Keep a scanned document: its record (the result, once); the uploaded file, encrypted
    (``STORE_ORIGINALS=true``), or else only its masked page images (any other stored copy of
    the upload, e.g. one queued for a job, is removed then); the cache's index entry; the
    reviewed counts (earlier corrections still apply); and AUTO_APPROVE."""
    settings = settings or get_settings()
    db = connect(settings.db_path)
    originals = settings.store_originals
    before = fingerprint(result.file_hash, db)  # a re-scan that reads it otherwise reopens a decision
    if not originals and data is not None:  # before the record appears: a delete that sees it finds them
        stamp = files.masked_stamp(result)  # once per version of the result, not on every cached hit
        if files.masked_version(result.file_hash, settings) != stamp:
            redact.store_masked(result, data, settings)
            files.set_masked_version(result.file_hash, stamp, settings)
    repository.save(result, data if originals else None, db=db, settings=settings)
    if not originals:
        files.delete_original(result.file_hash, settings)
    ResultCache(settings, db).link(result.file_hash, result.engine_version)
    refresh(result.file_hash, before=before, operator=SYSTEM)
    auto_approve(result.file_hash, settings)
