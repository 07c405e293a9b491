"""The one OCR call the routes share: the core's `process_upload` in a bounded worker thread."""
from __future__ import annotations

from fastapi import Request

from ocr_core.intake import process_upload
from ocr_core.models import DocumentResult
from .deps import Upload


async def scan_upload(request: Request, upload: Upload, *, engine: str | None = None,
                      lang: str | None = None, password: str | None = None, case: str | None = None) -> DocumentResult:
    state = request.app.state
    result = await state.slots.run(process_upload, upload.data, upload.filename, engine=engine, lang=lang,
                                   settings=state.settings, source_label="api", password=password, case=case)
    state.metrics.observe_scan(result.engine, result.cached, result.execution_time)
    return result
