"""The documents resource: the reviewed view of each document (`ocr_core.record.views`: IDs and
named fields), its corrections (`ocr_core.record.corrections.apply_changes`) and review decision
(`ocr_core.record.decisions.set_status`), the reviewed list (JSON pages or the bulk CSV), deletion
(`ocr_core.record.erase`), and its masked images (GET /documents/{file_hash}/pages/{n}/image (PNG) and
/documents/{file_hash}/masked.pdf: Aadhaar and VID numbers covered on the image itself, the
core's `ocr_core.redact`). Thin over the core; who did it is the caller's OCR_API_KEYS name.

Versions: ``GET /documents/{file_hash}`` answers an ``ETag`` (the document's ``version``); a
correction or a decision must send it back as ``If-Match`` (428 precondition_required without it,
412 stale_version when the document changed since), so two clients never overwrite each other."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from ocr_core.record import corrections, decisions, erase, pages, views
from ocr_core.auth import Forbidden
from ocr_core.errors import OCRError
from ..deps import Admin, APIError, Operator, RateLimitDep, SettingsDep
from ..schemas import CorrectionsIn, DocumentListOut, ReviewedDocumentOut, ReviewIn
from . import error_responses

router = APIRouter(prefix="/documents", tags=["documents"])
HashPath = Path(pattern=r"^[0-9a-f]{64}$", description="the file's sha256")


def _view(file_hash: str) -> dict:
    rv = views.get(file_hash)
    if rv is None:
        raise APIError(404, "document_not_found", "no such document (unknown or deleted)")
    return rv.to_dict()


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except OCRError:  # its code decides the status (ocr_api.errors: reason_required 422, stale_version 412)
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
    filters = {"status": status, "document_type": type, "since": _call(views.parse_since, since)}
    if format == "csv":
        docs = await run_in_threadpool(_call, lambda: views.all_documents(**filters))
        return Response(views.to_csv(d.row() for d in docs), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="documents.csv"'})
    got = await run_in_threadpool(_call, lambda: views.listing(**filters, page=page, page_size=page_size))
    return {"documents": [d.to_dict() for d in got.documents], "total": got.total, "page": got.page,
            "pages": got.pages}


@router.get("/{file_hash}", response_model=ReviewedDocumentOut, responses=error_responses(401, 404, 429),
            summary="one reviewed document")
async def get_document(response: Response, _who: Operator, _rl: RateLimitDep, file_hash: str = HashPath) -> dict:
    """The ``ETag`` is the document's version: send it as ``If-Match`` with a correction or a decision."""
    doc = await run_in_threadpool(_view, file_hash)
    response.headers["ETag"] = etag(doc["version"])
    return doc


def etag(version: int) -> str:
    return f'"{int(version)}"'


def expected_version(if_match: str | None) -> int:
    """The version an If-Match names (``"12"``, ``W/"12"`` or ``12``); 428 without one."""
    tag = (if_match or "").strip()
    tag = tag[2:] if tag.startswith("W/") else tag
    tag = tag.strip('"')
    if not tag.isdigit():
        raise APIError(428, "precondition_required", "send If-Match with the ETag of GET /documents/{file_hash} "
                       "(the document's version you looked at): a change or a decision is about that version")
    return int(tag)


def _answer(response: Response, file_hash: str) -> dict:
    doc = _view(file_hash)
    response.headers["ETag"] = etag(doc["version"])
    return doc


IfMatch = Header(None, alias="If-Match", description="the ETag (version) of the document you read: required; "
                                                     "412 stale_version when it changed since")


@router.post("/{file_hash}/corrections", response_model=ReviewedDocumentOut,
             responses=error_responses(401, 403, 404, 412, 422, 428, 429),
             summary="edit, add or remove IDs and named fields (all or nothing; a decided document goes back "
                     "to needs_review); If-Match required")
async def correct(body: CorrectionsIn, caller: Operator, _rl: RateLimitDep, response: Response,
                  file_hash: str = HashPath, if_match: str | None = IfMatch) -> dict:
    version = expected_version(if_match)
    changes = [c.model_dump(exclude_none=True) for c in body.changes]
    await run_in_threadpool(_call, corrections.apply_changes, file_hash, changes, caller, body.reason,
                            version=version)
    return await run_in_threadpool(_answer, response, file_hash)


@router.post("/{file_hash}/review", response_model=ReviewedDocumentOut,
             responses=error_responses(401, 403, 404, 412, 422, 428, 429),
             summary="approve, reject (a reason is needed), mark needs review, reopen, or ask for a new photo "
                     "(recapture_requested, a reason is needed); If-Match required")
async def decide(body: ReviewIn, caller: Operator, _rl: RateLimitDep, response: Response,
                 file_hash: str = HashPath, if_match: str | None = IfMatch) -> dict:
    """A reason is needed to reject, and to approve a document with no ID or of type UNKNOWN (422
    reason_required). The decision is about the version in If-Match (the ETag you read): refused
    (412 stale_version) when the document changed since, 428 without it. Any correction after an
    approval or a rejection sends the document back to needs_review."""
    version = expected_version(if_match)
    await run_in_threadpool(_call, decisions.set_status, file_hash, body.status, caller, body.reason,
                            version=version)
    return await run_in_threadpool(_answer, response, file_hash)


@router.delete("/{file_hash}", status_code=204, responses=error_responses(401, 403, 404, 429),
               summary="delete every copy of the document (the audit keeps the act); admins only")
async def delete_document(caller: Admin, settings: SettingsDep, _rl: RateLimitDep,
                          file_hash: str = HashPath) -> Response:
    """The route declares its role (``Admin``: the OpenAPI and the 403 matrix); the core checks it
    again (`record.erase.delete_document`), as for every caller."""
    if not await run_in_threadpool(_call, lambda: erase.delete_document(file_hash, caller, settings=settings)):
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
    png, withheld = await _core(pages.document_page, file_hash, n)
    headers = {"Cache-Control": "no-store"}
    if withheld:  # the image is a placeholder that says why (ocr_core.maskcheck)
        headers["X-Page-Withheld"] = "number readable after masking"
    return Response(png, media_type="image/png", headers=headers)


@router.get("/{file_hash}/masked.pdf", response_class=Response, summary="the whole document masked, as a PDF",
            responses={**error_responses(401, 404, 429), 200: {"content": {"application/pdf": {}}}})
async def masked_pdf(_who: Operator, _rl: RateLimitDep, file_hash: str = HashPath) -> Response:
    pdf = await _core(pages.document_masked_pdf, file_hash)
    return Response(pdf, media_type="application/pdf", headers={
        "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{file_hash[:12]}-masked.pdf"'})
