"""One call for every adapter that takes an upload: scan it and keep it for review and history."""
from __future__ import annotations

from contextlib import nullcontext

from . import singleflight
from .config import Settings, get_settings
from .loader import unlock_pdf
from .models import DocumentResult
from .pipeline import scan, sha256
from .record import cases
from .record.keeping import keep as keep_record
from .store import connect


def process_upload(data: bytes, filename: str, *, engine: str | None = None, lang: str | None = None,
                   use_cache: bool = True, source_label: str = "upload",
                   settings: Settings | None = None, password: str | None = None,
                   case: str | None = None) -> DocumentResult:
    """Scan the bytes (cache first) and keep the document and its encrypted result, with the
    uploaded file (``STORE_ORIGINALS=true``) or only its masked page images (the default; a copy
    of the upload queued for a job is removed then). See `record.keep`.

    A protected PDF is decrypted in memory with `password` first (what is kept is the decrypted
    document). Raises an `InputError` for a bad file; nothing is kept then (the failed scan is
    recorded).

    case: a case label (`cases`): the documents of one case get their names and dates of birth
    compared; a bad label (too long) is a ValueError before anything is scanned.

    The same bytes uploaded again while they are being scanned (another thread or process) wait
    for that scan and get its result from the cache (`singleflight`); MAX_DOCUMENT_PIXELS is
    checked by the scan before any page is decoded (`budget`)."""
    settings = settings or get_settings()
    case = cases.clean(case)
    if password and len(data) <= settings.max_file_bytes:
        data = unlock_pdf(data, password)
    # identical uploads in flight are scanned once: the second waits for the first (across threads
    # and processes) and is then served from the cache
    with singleflight.once(sha256(data), settings) if use_cache else nullcontext():
        result = scan(data, filename=filename, engine=engine, lang=lang, use_cache=use_cache,
                      settings=settings, source_label=source_label, password=password)
        keep_record(result, data, settings=settings)
    if case:
        cases.assign(result.file_hash, case, db=connect(settings.db_path))
    return result


def keep_document(result: DocumentResult, data: bytes | None, settings: Settings) -> None:
    """Keep a scanned document for review (`record.keep`: the record, the file or only its masked
    page images, the cache index, the reviewed counts, AUTO_APPROVE)."""
    keep_record(result, data, settings=settings)
