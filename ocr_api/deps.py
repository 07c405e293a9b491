"""Dependencies, as `Annotated` aliases: settings, the caller (API key) and its role, rate limit,
OCR slots, metrics, jobs.

Every route but /health (and the API docs) takes one `require(...)` dependency: with OCR_API_KEYS
set, no key or a wrong key is a 401, a key whose role lacks the right a 403 naming the role
needed. The keys are parsed by the core (`auth.parse_api_keys`); with none configured the caller
is an anonymous operator (the API is open for OCR, jobs and metrics, and binds to 127.0.0.1)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ocr_core import auth
from ocr_core.record import cases
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


def api_keys(request: Request) -> list[auth.ApiKey]:
    keys = getattr(request.app.state, "api_keys", None)
    if keys is None:  # parsed once per app (a bad OCR_API_KEYS fails at startup, see create_app)
        keys = request.app.state.api_keys = auth.parse_api_keys(request.app.state.settings.ocr_api_keys)
    return keys


def get_caller(request: Request,
               x_api_key: Annotated[str | None, Depends(_api_key_header)] = None,
               bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> auth.Identity:
    """Who calls: the name and role of the API key in `X-API-Key` (or `Authorization: Bearer`);
    401 when keys are configured and none matches. With no keys: an anonymous operator."""
    keys = api_keys(request)
    if not keys:
        request.state.client_id = None
        return auth.Identity("anonymous", "operator", "open")
    key = auth.match_api_key(keys, x_api_key or (bearer.credentials if bearer else None))
    if key is None:
        raise APIError(401, "unauthorized", "a valid API key is required (header X-API-Key)",
                       {"WWW-Authenticate": "ApiKey"})
    request.state.client_id = key.key_id
    return auth.Identity(key.name, key.role, "api_key")


CallerDep = Annotated[auth.Identity, Depends(get_caller)]



def require(right: str):
    """A dependency that lets through callers whose role has `right` (a role name, or an action of
    `auth.PERMISSIONS`), else 403 naming the role needed; it yields the caller's identity."""
    need = right if right in auth.ROLES else auth.needed_role(right)

    def dependency(caller: CallerDep) -> auth.Identity:
        if not auth.role_at_least(caller.role, need):
            how = "with no OCR_API_KEYS configured every caller is an anonymous operator" \
                if caller.via == "open" else f"the key {caller.name!r} has the {caller.role} role"
            raise APIError(403, "forbidden", f"this route needs the {need} role; {how}")
        return caller

    dependency.required_role = need  # type: ignore[attr-defined]  (read by the route-rule test)
    return Depends(dependency)


Operator = Annotated[auth.Identity, require("operator")]
Checker = Annotated[auth.Identity, require("checker")]
Admin = Annotated[auth.Identity, require("admin")]


def client_id(request: Request) -> str:
    key_id = getattr(request.state, "client_id", None)
    if key_id:
        return key_id
    return "ip:" + (request.client.host if request.client else "unknown")


def rate_limit(request: Request, caller: CallerDep) -> None:
    """RATE_LIMIT_REQUESTS per RATE_LIMIT_PERIOD per client (API key, else address): else 429."""
    limiter: RateLimiter = request.app.state.limiter
    left = limiter.hit(client_id(request))  # raises RateLimited
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


def case_form(case: Annotated[str | None, Form(description="a case label: the documents of one case (one person's "
                                                           "KYC set) get their names and dates of birth compared",
                                               max_length=200)] = None) -> str | None:
    """The upload's case label (`ocr_core.record.cases`), cleaned; 422 ``bad_case`` when the core refuses it."""
    try:
        return cases.clean(case)
    except ValueError as e:
        raise APIError(422, "bad_case", str(e)) from None


CaseForm = Annotated[str | None, Depends(case_form)]
