"""One call for every adapter that takes an upload: scan it and keep it for review and history."""
from __future__ import annotations

from . import records
from .config import Settings
from .models import DocumentResult
from .pipeline import scan


def process_upload(data: bytes, filename: str, *, engine: str | None = None, lang: str | None = None,
                   use_cache: bool = True, source_label: str = "upload",
                   settings: Settings | None = None) -> DocumentResult:
    """Scan the bytes (cache first) and keep the document, its encrypted file and result.

    Raises an `InputError` for a bad file; nothing is kept then (the failed scan is recorded)."""
    result = scan(data, filename=filename, engine=engine, lang=lang, use_cache=use_cache,
                  settings=settings, source_label=source_label)
    records.keep(result, data, settings=settings)
    return result
