"""The one OCR call the routes share: the core's `process_upload` in a bounded worker thread, after
the request's work budget."""
from __future__ import annotations

import hashlib

import anyio.to_thread
from fastapi import Request

from ocr_core import budget, pipeline
from ocr_core.intake import process_upload
from ocr_core.models import DocumentResult
from .deps import APIError, Upload, client_id
from .limits import PixelBudget, RateLimited


def _pixel_budget(request: Request) -> PixelBudget:
    state = request.app.state
    if getattr(state, "pixel_budget", None) is None:  # one per app, made on first use (in the event loop)
        state.pixel_budget = PixelBudget(state.settings.user_pixels_per_minute, state.settings.redis_url)
    return state.pixel_budget


async def charge_work(request: Request, data: bytes, *, engine: str | None = None, lang: str | None = None,
                      password: str | None = None) -> None:
    """The request's work budget, before it takes an OCR slot: the document's pages x pixels read
    from its headers (MAX_DOCUMENT_PIXELS, else 413 ``document_too_large``), then the caller's
    pixels this minute (USER_PIXELS_PER_MINUTE, else 429 ``work_budget`` with Retry-After). A
    cached result costs nothing; a file that cannot be measured is left to the scan's errors."""
    settings = request.app.state.settings
    work = await anyio.to_thread.run_sync(lambda: budget.check_document(data, settings, password))
    if work is None:
        return
    cached = await anyio.to_thread.run_sync(
        lambda: pipeline.is_cached(hashlib.sha256(data).hexdigest(), engine, lang, settings))
    if cached:
        return
    pixels = _pixel_budget(request)
    try:
        await anyio.to_thread.run_sync(pixels.hit, client_id(request), work.megapixels)
    except RateLimited as e:
        raise APIError(429, "work_budget", f"this document is {work.megapixels} megapixels; this caller may send "
                       f"{pixels.requests} megapixels of new documents a minute; retry in {e.retry_after} s",
                       {"Retry-After": str(e.retry_after)}) from None


async def scan_upload(request: Request, upload: Upload, *, engine: str | None = None,
                      lang: str | None = None, password: str | None = None, case: str | None = None) -> DocumentResult:
    state = request.app.state
    await charge_work(request, upload.data, engine=engine, lang=lang, password=password)
    result = await state.slots.run(process_upload, upload.data, upload.filename, engine=engine, lang=lang,
                                   settings=state.settings, source_label="api", password=password, case=case)
    state.metrics.observe_scan(result.engine, result.cached, result.execution_time)
    return result
