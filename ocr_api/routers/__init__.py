"""One router per resource; every route is mounted under /ocr-api."""
from __future__ import annotations

from typing import Any

from ..schemas import ErrorBody

_E: dict[int, str] = {
    400: "bad request", 401: "missing or invalid API key", 403: "the API key's role lacks this right",
    404: "not found", 412: "stale_version: the document changed after the version in If-Match", 413: "file too large",
    415: "unsupported file type", 422: "no file, empty, corrupt or encrypted file",
    428: "precondition_required: send If-Match (the ETag of GET /documents/{file_hash})", 429: "rate limit exceeded",
    503: "OCR queue full, engine or job queue unavailable",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorBody, "description": _E.get(c, "error")} for c in codes}


UPLOAD_ERRORS = error_responses(401, 403, 413, 415, 422, 429, 503)
