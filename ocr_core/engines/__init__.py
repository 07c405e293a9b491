"""OCR engines behind one protocol, registered by name. An engine that re-reads by the documents'
rules takes a `RereadPolicy` (`engines.policy`), which the pipeline passes (`ocr_core.reread`)."""
from .base import (OCREngine, available_engines, engine_version, get_engine, loaded_engines, register_engine,
                   takes_policy)
from .policy import RereadPolicy
from . import cascade, paddle, rapid, tesseract  # noqa: F401  (register the engines)

__all__ = ["OCREngine", "RereadPolicy", "engine_version", "available_engines", "get_engine", "loaded_engines",
           "register_engine", "takes_policy"]
