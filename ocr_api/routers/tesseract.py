"""POST /tesseract/predict: the same as predict, read by the Tesseract engine."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ..deps import Operator, RateLimitDep, UploadDep
from ..ocr import scan_upload
from ..schemas import DocumentOut
from . import UPLOAD_ERRORS

router = APIRouter(prefix="/tesseract", tags=["ocr"])


@router.post("/predict", response_model=DocumentOut, responses=UPLOAD_ERRORS,
             summary="OCR one image or PDF with Tesseract (cached)")
async def predict_tesseract(request: Request, upload: UploadDep, _who: Operator, _rl: RateLimitDep) -> dict:
    result = await scan_upload(request, upload, engine="tesseract")
    return result.to_dict()
