"""A document's audit trail and the audited unmask of one of its Aadhaar/VID numbers:
GET /documents/{file_hash}/audit (checkers and admins), POST /documents/{file_hash}/unmask
(admins and names in UNMASK_ALLOWED). The ID is addressed by the key `record.view.find_id` reads."""
from __future__ import annotations

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool

from ocr_core.record import decisions, repository, trail
from ocr_core.store import connect
from ocr_core.auth import Forbidden
from ..deps import APIError, Checker, Operator, RateLimitDep
from ..masking import UnmaskedJSONResponse
from ..schemas import AuditOut, UnmaskIn, UnmaskOut
from . import error_responses

router = APIRouter(prefix="/documents", tags=["documents"])
FileHash = Path(pattern=r"^[0-9a-f]{64}$", description="the document's SHA-256")


@router.get("/{file_hash}/audit", response_model=AuditOut, responses=error_responses(401, 403, 404, 429),
            summary="the document's audit trail (corrections' before/after masked)")
async def document_audit(_who: Checker, _rl: RateLimitDep, file_hash: str = FileHash) -> dict:
    if await run_in_threadpool(lambda: repository.get_row(file_hash, connect())) is None \
            and not await run_in_threadpool(trail.audit_rows, file_hash, 1):
        raise APIError(404, "document_not_found", f"no document {file_hash[:12]}… and no audit entries for it")
    entries = await run_in_threadpool(trail.audit_trail, file_hash)
    return {"file_hash": file_hash, "entries": entries, "count": len(entries)}


@router.post("/{file_hash}/unmask", response_model=UnmaskOut, response_class=UnmaskedJSONResponse, responses=error_responses(401, 403, 404, 422, 429),
             summary="the full Aadhaar/VID number, for admins and UNMASK_ALLOWED (audited with the reason)")
async def unmask(body: UnmaskIn, who: Operator, _rl: RateLimitDep, file_hash: str = FileHash) -> dict:
    try:
        value = await run_in_threadpool(decisions.unmask, file_hash, body.key, who, body.reason)
    except Forbidden as e:
        raise APIError(403, "forbidden", str(e)) from None
    except LookupError as e:
        raise APIError(404, "not_found", str(e)) from None
    except ValueError as e:
        raise APIError(422, "validation_error", str(e)) from None
    return {"value": value}
