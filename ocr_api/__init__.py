"""REST API (FastAPI): a thin adapter over the core. Every route is under /ocr-api; docs at
/ocr-api/docs. `create_app()` builds an app; `python -m ocr_core api` serves one with uvicorn."""
from __future__ import annotations

__version__ = "0.1.0"

from .app import create_app  # noqa: E402

__all__ = ["create_app", "__version__"]
