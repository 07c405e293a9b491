"""Dependencies, as `Annotated` aliases: settings, API key, rate limit, OCR slots, metrics, jobs."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, NamedTuple

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
    callers = settings.api_key_callers()
    if not callers:
        return None
    given = x_api_key or (bearer.credentials if bearer else None)
    match = [who for k, who in callers.items() if given and hmac.compare_digest(given.encode(), k.encode())]
    if match:
        client = "key:" + hashlib.sha256(given.encode()).hexdigest()[:16]
        request.state.client_id = client
        request.state.caller = Caller(*match[0])
        return client
    raise APIError(401, "unauthorized", "a valid API key is required (header X-API-Key)",
                   {"WWW-Authenticate": "ApiKey"})


ApiKeyDep = Annotated[str | None, Depends(require_api_key)]

ANONYMOUS = "anonymous"


class Caller(NamedTuple):
    """Who calls, as (name, role): their OCR_API_KEYS entry's (None for a bare key or an open API)."""

    name: str | None
    role: str | None

    @property
    def operator(self) -> str:
        """The name recorded for what this caller does."""
        return self.name or ANONYMOUS


def get_caller(request: Request, _key: ApiKeyDep) -> Caller:
    return getattr(request.state, "caller", None) or Caller(None, None)


CallerDep = Annotated[Caller, Depends(get_caller)]


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
