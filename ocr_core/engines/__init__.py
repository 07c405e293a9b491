"""OCR engines behind one protocol, registered by name."""
from .base import OCREngine, available_engines, get_engine, loaded_engines, register_engine
from . import paddle, rapid, tesseract  # noqa: F401  (register the engines)

__all__ = ["OCREngine", "available_engines", "get_engine", "loaded_engines", "register_engine"]
