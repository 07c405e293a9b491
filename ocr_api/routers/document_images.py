"""Masked images of a kept document: GET /documents/{file_hash}/pages/{n}/image (PNG) and
GET /documents/{file_hash}/masked.pdf. Aadhaar and VID numbers are covered on the image itself
(the first 8 / 12 digits); the logic is the core's `ocr_core.redact`."""
from __future__ import annotations

from fastapi import APIRouter, Path, Response
from fastapi.concurrency import run_in_threadpool

from ocr_core import redact
from ..deps import APIError, Operator, RateLimitDep
from . import error_responses

router = APIRouter(prefix="/documents", tags=["documents"])
HASH = Path(pattern=r"^[0-9a-f]{64}$", description="the document's sha256 file hash")


async def _core(fn, *args):
    try:
        return await run_in_threadpool(fn, *args)
    except LookupError as e:
        raise APIError(404, "not_found", str(e)) from e


@router.get("/{file_hash}/pages/{n}/image", response_class=Response, summary="a page as a masked PNG",
            responses={**error_responses(401, 404, 429), 200: {"content": {"image/png": {}}}})
async def page_image(_who: Operator, _rl: RateLimitDep, file_hash: str = HASH, n: int = Path(ge=1, le=10_000)) -> Response:
    png = await _core(redact.document_page_png, file_hash, n)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/{file_hash}/masked.pdf", response_class=Response, summary="the whole document masked, as a PDF",
            responses={**error_responses(401, 404, 429), 200: {"content": {"application/pdf": {}}}})
async def masked_pdf(_who: Operator, _rl: RateLimitDep, file_hash: str = HASH) -> Response:
    pdf = await _core(redact.document_masked_pdf, file_hash)
    return Response(pdf, media_type="application/pdf", headers={
        "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{file_hash[:12]}-masked.pdf"'})
