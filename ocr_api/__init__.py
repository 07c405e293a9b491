"""REST API (FastAPI): a thin adapter over the core. Every route is under /ocr-api; docs at
/ocr-api/docs. `create_app()` builds an app; `serve()` (`python -m ocr_core api`, `ocr-desk api`) runs one
with uvicorn."""
from __future__ import annotations

__version__ = "0.1.0"

from .app import create_app  # noqa: E402


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    uvicorn.run("ocr_api.app:main_app", factory=True, host=host, port=port, workers=workers, log_config=None,
                proxy_headers=True)


__all__ = ["create_app", "serve", "__version__"]
