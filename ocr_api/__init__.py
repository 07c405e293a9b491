"""REST API (FastAPI): a thin adapter over the core. Every route is under /ocr-api; docs at
/ocr-api/docs. `create_app()` builds an app; `serve()` (`python -m ocr_core api`, `ocr-desk api`) runs one
with uvicorn."""
from __future__ import annotations

__version__ = "0.1.0"

from .app import create_app  # noqa: E402


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """uvicorn with the settings' proxy trust and shutdown bound: X-Forwarded-For/-Proto are
    believed only from FORWARDED_ALLOW_IPS (none: ignored, the client is the TCP peer, which is
    also the rate limiter's key for callers without an API key); on SIGTERM the requests in flight
    get API_SHUTDOWN_TIMEOUT seconds, then are cancelled (`ocr_api.shutdown`)."""
    import uvicorn

    from ocr_core.config import get_settings

    s = get_settings()
    trusted = ",".join(sorted(s.forwarded_allow_ips))
    uvicorn.run("ocr_api.app:main_app", factory=True, host=host, port=port, workers=workers, log_config=None,
                proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None,
                timeout_graceful_shutdown=max(1, round(s.api_shutdown_timeout)))


__all__ = ["create_app", "serve", "__version__"]
