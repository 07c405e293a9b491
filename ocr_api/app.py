"""The FastAPI app factory: routers under /ocr-api, the engine loaded once in the lifespan,
`X-Process-Time` on every response, JSON errors (never a 500 for bad input).

Run: `python -m ocr_core api` (or `ocr-desk api`) or `uvicorn --factory ocr_api.app:main_app`.
"""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from ocr_core import auth, retention
from ocr_core.config import Settings, get_settings
from ocr_core.reread import engine as get_engine  # built with the documents' re-read policy
from ocr_core.errors import EngineError, OCRError
from ocr_core.jobs import get_backend
from ocr_core.logs import configure_logging, log
from .deps import APIError
from .errors import detail_for, status_for
from .limits import Busy, MetricsRateLimiter, OCRSlots, RateLimited, RateLimiter
from .masking import MaskedJSONResponse
from .metrics import ApiMetrics
from .routers import document_audit, documents, health, jobs, metrics, pdf, predict, tesseract

PREFIX = "/ocr-api"
DOCS_ASSETS = f"{PREFIX}/docs-static"  # Swagger UI and ReDoc served from the fastapi-offline wheel: no CDN, no fonts
UNCOUNTED = (f"{PREFIX}/metrics", f"{PREFIX}/health", f"{PREFIX}/docs", f"{PREFIX}/redoc", f"{PREFIX}/openapi.json")
BODY_SLACK = 1 << 20  # multipart overhead allowed beyond MAX_FILE_BYTES before the body is read


def error_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> JSONResponse:
    return MaskedJSONResponse({"error": code, "detail": detail, "status": status, **extra}, status_code=status,
                        headers=headers)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(request: Request, e: APIError) -> JSONResponse:
        return error_response(e.status, e.code, e.detail, e.headers)

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, e: RateLimited) -> JSONResponse:
        return error_response(429, "rate_limited", str(e), {"Retry-After": str(e.retry_after)})

    @app.exception_handler(Busy)
    async def _busy(request: Request, e: Busy) -> JSONResponse:
        return error_response(503, "busy", str(e), {"Retry-After": str(e.retry_after)})

    @app.exception_handler(OCRError)
    async def _ocr_error(request: Request, e: OCRError) -> JSONResponse:
        request.app.state.metrics.observe_error(e.code)
        if isinstance(e, EngineError):  # an engine that cannot be created here (missing package, model)
            return error_response(503, e.code, f"OCR engine unavailable: {e}", {"Retry-After": "60"})
        status = status_for(e)
        headers = {"Retry-After": str(getattr(e, "retry_after", 30))} if status == 503 else None
        return error_response(status, e.code, detail_for(e), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        errors = [{"loc": [str(x) for x in err.get("loc", ())], "msg": str(err.get("msg", "")),
                   "type": str(err.get("type", ""))} for err in e.errors()]  # never echo the input
        missing_file = any(err["loc"][-1:] == ["file"] and err["type"] == "missing" for err in errors)
        detail = "no file uploaded: send it as multipart form field 'file'" if missing_file else \
            "; ".join(f"{'.'.join(err['loc'])}: {err['msg']}" for err in errors) or "invalid request"
        return error_response(422, "no_file" if missing_file else "validation_error", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(e.status_code, "http_error")
        return error_response(e.status_code, code, str(e.detail), getattr(e, "headers", None))


def create_app(settings: Settings | None = None, *, warm_engine: bool = True) -> FastAPI:
    """A new app. `settings` defaults to `get_settings()`; the default engine is loaded at startup
    unless `warm_engine` is False."""
    from . import __version__

    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        s: Settings = app.state.settings
        app.state.slots = OCRSlots(s.api_max_concurrency, s.api_queue_size)
        if warm_engine:
            t0 = time.perf_counter()
            try:
                await anyio.to_thread.run_sync(get_engine, s.ocr_engine, s.ocr_model_lang)
                log.info("engine loaded", extra={"event": "api_engine", "engine": s.ocr_engine,
                                                 "seconds": round(time.perf_counter() - t0, 2)})
            except EngineError as e:
                log.error("engine unavailable", extra={"event": "api_engine_error", "error": str(e)})
        # the embedded pool starts now and resumes jobs a killed process left; with Celery, the
        # consumer that keeps the workers' results in the record starts now
        await anyio.to_thread.run_sync(get_backend, s)
        retention.start_scheduler(s)
        yield
        retention.stop_scheduler(s)
        if getattr(app.state, "serving", False):  # the uvicorn process: a bounded exit (ocr_api.shutdown)
            from .shutdown import after_serving

            after_serving()

    app = FastAPIOffline(title="OCR Review Desk API", version=__version__, lifespan=lifespan,
                         default_response_class=MaskedJSONResponse,  # every JSON body masked (ocr_api.masking)
                         description="OCR of Indian KYC documents: text, validated IDs (Aadhaar/VID masked), "
                                     "document type. Synchronous and queued endpoints.",
                         docs_url=f"{PREFIX}/docs", redoc_url=f"{PREFIX}/redoc", openapi_url=f"{PREFIX}/openapi.json",
                         swagger_ui_oauth2_redirect_url=f"{PREFIX}/docs/oauth2-redirect", static_url=DOCS_ASSETS)
    app.state.settings = settings
    app.state.api_keys = auth.parse_api_keys(settings.ocr_api_keys)  # a bad OCR_API_KEYS fails here
    app.state.metrics = ApiMetrics()
    app.state.limiter = RateLimiter(settings.rate_limit_requests, settings.rate_limit_period, settings.redis_url)
    app.state.metrics_limiter = MetricsRateLimiter(settings.rate_limit_metrics_requests, settings.rate_limit_period,
                                                   settings.redis_url)
    app.state.slots = OCRSlots(settings.api_max_concurrency, settings.api_queue_size)  # replaced at startup
    _install_handlers(app)

    for r in (predict.router, jobs.router, documents.router, document_audit.router, pdf.router, tesseract.router,
              health.router, metrics.router):
        app.include_router(r, prefix=PREFIX)

    @app.get("/", include_in_schema=False)
    async def _root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/docs")

    @app.middleware("http")
    async def timing(request: Request, call_next):
        t0 = time.perf_counter()
        limit = request.app.state.settings.max_file_bytes + BODY_SLACK
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit:
            response = error_response(413, "file_too_large", f"The request is {int(length) / 1e6:.1f} MB; the "
                                      f"file limit is {request.app.state.settings.max_file_bytes / 1e6:.1f} MB.")
        else:
            try:
                response = await call_next(request)
            except Exception:  # noqa: BLE001 - logged, answered as JSON with the timing header
                log.exception("unhandled error", extra={"event": "api_error", "path": request.url.path})
                response = error_response(500, "internal_error", "internal error; it has been logged")
        seconds = time.perf_counter() - t0
        response.headers["X-Process-Time"] = f"{seconds:.4f}"
        route = request.scope.get("route")
        path = getattr(route, "path", None) or "unmatched"
        if not request.url.path.startswith(UNCOUNTED):
            request.app.state.metrics.observe_request(request.method, path, response.status_code, seconds)
        return response

    return app


def main_app() -> FastAPI:
    """The app uvicorn serves (`--factory`): settings from the environment, JSON logs."""
    s = get_settings()
    configure_logging(s.log_level)
    app = create_app(s)
    app.state.serving = True  # served by uvicorn: exit within API_SHUTDOWN_TIMEOUT + 2 s (ocr_api.shutdown)
    return app
