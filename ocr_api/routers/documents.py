"""The documents resource: the reviewed view of each document (`ocr_core.reviewed`: IDs and named
fields), its corrections (`ocr_core.review.apply_changes`) and review decision, the reviewed list (JSON pages or the bulk CSV), deletion, and
its masked images (GET /documents/{file_hash}/pages/{n}/image (PNG) and
/documents/{file_hash}/masked.pdf: Aadhaar and VID numbers covered on the image itself, the
core's `ocr_core.redact`). Thin over the core; who did it is the caller's OCR_API_KEYS name."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from ocr_core import records, redact, review, reviewed
from ocr_core.auth import Forbidden
from ocr_core.errors import OCRError
from ..deps import Admin, APIError, Operator, RateLimitDep, SettingsDep
from ..schemas import CorrectionsIn, DocumentListOut, ReviewedDocumentOut, ReviewIn
from . import error_responses

router = APIRouter(prefix="/documents", tags=["documents"])
HashPath = Path(pattern=r"^[0-9a-f]{64}$", description="the file's sha256")


def _view(file_hash: str) -> dict:
    rv = reviewed.get(file_hash)
    if rv is None:
        raise APIError(404, "document_not_found", "no such document (unknown or deleted)")
    return rv.to_dict()


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except OCRError:  # its code decides the status (ocr_api.errors: reason_required 422, stale_version 409)
        raise
    except LookupError as e:
        raise APIError(404, "document_not_found", str(e)) from None
    except Forbidden as e:  # the role, or four eyes (MAKER_CHECKER)
        raise APIError(403, "forbidden", str(e)) from None
    except ValueError as e:
        raise APIError(422, "invalid", str(e)) from None


@router.get("", response_model=DocumentListOut, responses={**error_responses(401, 422, 429),
            200: {"content": {"text/csv": {}}, "description": "JSON pages, or with format=csv the bulk export"}},
            summary="the reviewed documents (JSON pages, or CSV: one row per document)")
async def list_documents(_who: Operator, _rl: RateLimitDep, status: str | None = Query(None, max_length=20),
                         type: str | None = Query(None, max_length=20, description="document type"),
                         since: str | None = Query(None, max_length=32, description="ISO date or time (UTC)"),
                         format: Literal["json", "csv"] = "json", page: int = Query(1, ge=1),
                         page_size: int = Query(50, ge=1, le=500)):
    filters = {"status": status, "document_type": type, "since": _call(reviewed.parse_since, since)}
    if format == "csv":
        docs = await run_in_threadpool(_call, lambda: reviewed.all_documents(**filters))
        return Response(reviewed.to_csv(d.row() for d in docs), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="documents.csv"'})
    got = await run_in_threadpool(_call, lambda: reviewed.listing(**filters, page=page, page_size=page_size))
    return {"documents": [d.to_dict() for d in got.documents], "total": got.total, "page": got.page,
            "pages": got.pages}


@router.get("/{file_hash}", response_model=ReviewedDocumentOut, responses=error_responses(401, 404, 429),
            summary="one reviewed document")
async def get_document(_who: Operator, _rl: RateLimitDep, file_hash: str = HashPath) -> dict:
    return await run_in_threadpool(_view, file_hash)


@router.post("/{file_hash}/corrections", response_model=ReviewedDocumentOut,
             responses=error_responses(401, 403, 404, 422, 429),
             summary="edit, add or remove IDs and named fields (all or nothing; a decided document goes back "
                     "to needs_review)")
async def correct(body: CorrectionsIn, caller: Operator, _rl: RateLimitDep, file_hash: str = HashPath) -> dict:
    changes = [c.model_dump(exclude_none=True) for c in body.changes]
    await run_in_threadpool(_call, review.apply_changes, file_hash, changes, caller, body.reason)
    return await run_in_threadpool(_view, file_hash)


@router.post("/{file_hash}/review", response_model=ReviewedDocumentOut,
             responses=error_responses(401, 403, 404, 409, 422, 429),
             summary="approve, reject (a reason is needed), mark needs review, or reopen")
async def decide(body: ReviewIn, caller: Operator, _rl: RateLimitDep, file_hash: str = HashPath) -> dict:
    """A reason is needed to reject, and to approve a document with no ID or of type UNKNOWN (422
    reason_required). Pass the `version` you looked at to have the decision refused (409
    stale_version) when the document changed since. Any correction after an approval or a
    rejection sends the document back to needs_review."""
    await run_in_threadpool(_call, review.set_status, file_hash, body.status, caller, body.reason,
                            version=body.version)
    return await run_in_threadpool(_view, file_hash)


@router.delete("/{file_hash}", status_code=204, responses=error_responses(401, 404, 429),
               summary="delete every copy of the document (the audit keeps the act)")
async def delete_document(caller: Admin, settings: SettingsDep, _rl: RateLimitDep,
                          file_hash: str = HashPath) -> Response:
    if not await run_in_threadpool(lambda: records.erase(file_hash, caller, settings=settings)):
        raise APIError(404, "document_not_found", "no such document (unknown or deleted)")
    return Response(status_code=204)


# ---------------------------------------------------------------- masked images
async def _core(fn, *args):
    try:
        return await run_in_threadpool(fn, *args)
    except LookupError as e:
        raise APIError(404, "not_found", str(e)) from e


@router.get("/{file_hash}/pages/{n}/image", response_class=Response, summary="a page as a masked PNG",
            description="Aadhaar and VID numbers masked and the page read again to check it (`ocr_core.maskcheck`); "
                        "a page on which a number could still be read is withheld: a placeholder image that says "
                        "so, with the header X-Page-Withheld.",
            responses={**error_responses(401, 404, 429), 200: {"content": {"image/png": {}}}})
async def page_image(_who: Operator, _rl: RateLimitDep, file_hash: str = HashPath, n: int = Path(ge=1, le=10_000)) -> Response:
    png, withheld = await _core(redact.document_page, file_hash, n)
    headers = {"Cache-Control": "no-store"}
    if withheld:  # the image is a placeholder that says why (ocr_core.maskcheck)
        headers["X-Page-Withheld"] = "number readable after masking"
    return Response(png, media_type="image/png", headers=headers)


@router.get("/{file_hash}/masked.pdf", response_class=Response, summary="the whole document masked, as a PDF",
            responses={**error_responses(401, 404, 429), 200: {"content": {"application/pdf": {}}}})
async def masked_pdf(_who: Operator, _rl: RateLimitDep, file_hash: str = HashPath) -> Response:
    pdf = await _core(redact.document_masked_pdf, file_hash)
    return Response(pdf, media_type="application/pdf", headers={
        "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{file_hash[:12]}-masked.pdf"'})
