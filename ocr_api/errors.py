"""The core's error codes as HTTP statuses (the core knows no HTTP). A code not listed falls back
to its parent class's code, so a new `InputError` subclass is a 422 until it is given its own."""
from __future__ import annotations

from ocr_core.errors import OCRError

STATUS = {
    "bad_input": 422, "empty_file": 422, "corrupt_file": 422, "encrypted_pdf": 422,
    "unsupported_type": 415,
    "file_too_large": 413, "image_too_large": 413, "too_many_pages": 413, "document_too_large": 413,
    "engine_error": 503, "queue_unavailable": 503,
    "review_refused": 422, "reason_required": 422, "stale_version": 412,
}
HINTS = {  # what an API client can do instead
    "queue_unavailable": "The synchronous POST /ocr-api/paddleocr/predict still works.",
}


def status_for(e: OCRError) -> int:
    for cls in type(e).__mro__:
        code = cls.__dict__.get("code")
        if code in STATUS:
            return STATUS[code]
    return 500


def detail_for(e: OCRError) -> str:
    hint = HINTS.get(e.code)
    return f"{e} {hint}" if hint else str(e)
