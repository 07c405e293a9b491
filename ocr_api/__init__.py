"""REST API (FastAPI): a thin adapter over the core. Every route is under /ocr-api; docs at
/ocr-api/docs. `create_app()` builds an app; `serve()` (`python -m ocr_core api`, `ocr-desk api`) runs one
with uvicorn."""
from __future__ import annotations

__version__ = "0.1.0"



def __getattr__(name: str):  # `create_app` on first use: `ocr-desk scan` does not import FastAPI
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


class ApiCommand:
    """`ocr-desk api`: registered in pyproject.toml ([project.entry-points."ocr_desk.commands"])."""

    help = "serve the REST API with uvicorn (docs at /ocr-api/docs)"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (one engine each)")

    def run(self, args) -> int:
        import sys

        from ocr_core.auth import parse_api_keys
        from ocr_core.config import get_settings

        keys = parse_api_keys(get_settings().ocr_api_keys)  # a bad entry stops here, before serving
        if not keys and args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"warning: no OCR_API_KEYS configured and listening on {args.host}: anyone who reaches it is an "
                  "anonymous operator (OCR, jobs, metrics)", file=sys.stderr)
        serve(host=args.host, port=args.port, workers=args.workers)
        return 0


command = ApiCommand()

__all__ = ["create_app", "serve", "__version__"]
