"""POST /paddleocr/predict: synchronous OCR of one upload (cached), the seed's response shape, with the
document's review applied (a corrected or approved document answers as reviewed)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from ocr_core.record import views
from ..deps import CaseForm, Operator, PasswordForm, RateLimitDep, UploadDep
from ..ocr import scan_upload
from ..schemas import DocumentOut
from . import UPLOAD_ERRORS

router = APIRouter(prefix="/paddleocr", tags=["ocr"])


@router.post("/predict", response_model=DocumentOut, responses=UPLOAD_ERRORS,
             summary="OCR one image or PDF now (default engine, cached)")
async def predict(request: Request, upload: UploadDep, _who: Operator, _rl: RateLimitDep,
                  password: PasswordForm = None, case: CaseForm = None) -> dict:
    result = await scan_upload(request, upload, password=password or None, case=case)
    return await run_in_threadpool(views.answer, result)  # the reviewed document, masked
