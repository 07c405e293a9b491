"""POST /pdf: a PDF, with the document result and one result per page."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ocr_core.errors import UnsupportedFileTypeError
from ocr_core.loader import check_size, sniff
from ..deps import CaseForm, Operator, PasswordForm, RateLimitDep, UploadDep
from ..ocr import scan_upload
from ..schemas import PdfOut
from . import UPLOAD_ERRORS

router = APIRouter(tags=["ocr"])


def per_page(doc: dict) -> list[dict]:
    """Split a (masked) `DocumentResult.to_dict()` by page."""
    out = []
    for p in doc["pages"]:
        texts = [ln["text"] for ln in p["lines"]]
        out.append({"number": p["number"], "source": p["source"], "width": p["width"], "height": p["height"],
                    "rotation": p["rotation"], "texts": texts, "raw_text": "\n".join(texts),
                    "ids": [i for i in doc["ids"] if i.get("page") == p["number"]]})
    return out


@router.post("/pdf", response_model=PdfOut, responses=UPLOAD_ERRORS, summary="OCR a PDF, page by page")
async def predict_pdf(request: Request, upload: UploadDep, _who: Operator, _rl: RateLimitDep,
                      password: PasswordForm = None, case: CaseForm = None) -> dict:
    check_size(upload.data, request.app.state.settings)
    if sniff(upload.data) != "pdf":
        raise UnsupportedFileTypeError("This endpoint takes PDF files; send images to /paddleocr/predict.")
    result = await scan_upload(request, upload, password=password or None, case=case)
    doc = result.to_dict()
    return {**doc, "page_count": len(doc["pages"]), "page_results": per_page(doc)}
