"""OCR engines behind one protocol, registered by name."""
from .base import OCREngine, available_engines, engine_version, get_engine, loaded_engines, register_engine
from . import cascade, paddle, rapid, tesseract  # noqa: F401  (register the engines)

__all__ = ["OCREngine", "engine_version", "available_engines", "get_engine", "loaded_engines", "register_engine"]
