"""Dependencies, as `Annotated` aliases: settings, API key, rate limit, OCR slots, metrics, jobs."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ocr_core.config import Settings
from ocr_core.jobs import JobBackend, get_backend
from ocr_core.loader import SUPPORTED
from .limits import OCRSlots, RateLimiter
from .metrics import ApiMetrics


class APIError(Exception):
    """An error answered as JSON `{"error", "detail", "status"}`."""

    def __init__(self, status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers or {}


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_metrics(request: Request) -> ApiMetrics:
    return request.app.state.metrics


def get_slots(request: Request) -> OCRSlots:
    return request.app.state.slots


def get_job_backend(request: Request) -> JobBackend:
    return get_backend(request.app.state.settings)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
SlotsDep = Annotated[OCRSlots, Depends(get_slots)]
BackendDep = Annotated[JobBackend, Depends(get_job_backend)]

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                               description="one of OCR_API_KEYS (only when keys are configured)")
_bearer = HTTPBearer(auto_error=False, description="an API key as a bearer token (for scrapers)")


def require_api_key(request: Request, settings: SettingsDep,
                    x_api_key: Annotated[str | None, Depends(_api_key_header)] = None,
                    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> str | None:
    """When OCR_API_KEYS is set, a valid key in `X-API-Key` (or `Authorization: Bearer`) is needed.
    Returns a short, non-secret id of the key (for per-client rate limits), or None."""
    keys = settings.ocr_api_keys
    if not keys:
        return None
    given = x_api_key or (bearer.credentials if bearer else None)
    if given and any(hmac.compare_digest(given.encode(), k.encode()) for k in keys):
        client = "key:" + hashlib.sha256(given.encode()).hexdigest()[:16]
        request.state.client_id = client
        return client
    raise APIError(401, "unauthorized", "a valid API key is required (header X-API-Key)",
                   {"WWW-Authenticate": "ApiKey"})


ApiKeyDep = Annotated[str | None, Depends(require_api_key)]


def client_id(request: Request, key_id: str | None) -> str:
    if key_id:
        return key_id
    return "ip:" + (request.client.host if request.client else "unknown")


def rate_limit(request: Request, key_id: ApiKeyDep) -> None:
    """RATE_LIMIT_REQUESTS per RATE_LIMIT_PERIOD per client (API key, else address): else 429."""
    limiter: RateLimiter = request.app.state.limiter
    left = limiter.hit(client_id(request, key_id))  # raises RateLimited
    request.state.rate_limit_remaining = left


RateLimitDep = Annotated[None, Depends(rate_limit)]


@dataclass
class Upload:
    filename: str
    data: bytes


async def read_upload(request: Request, file: Annotated[UploadFile, File(description=f"{SUPPORTED} (the type is read from the content)")]) -> Upload:
    """The uploaded file, read up to one byte past the size limit (the core refuses it then)."""
    settings: Settings = request.app.state.settings
    data = await file.read(settings.max_file_bytes + 1)
    await file.close()
    return Upload(filename=(file.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1] or "upload", data=data)


UploadDep = Annotated[Upload, Depends(read_upload)]

# the password of a protected PDF (an e-Aadhaar): used in memory only, never logged or stored
PasswordForm = Annotated[str | None, Form(description="the password of a protected PDF (e-Aadhaar: the first "
                                                      "four letters of the name in capitals + year of birth)")]
