"""The engine protocol and a registry by name (one instance per name and language per process)."""
from __future__ import annotations

import threading
from typing import Callable, Protocol

import numpy as np

from ..errors import EngineError
from ..models import Line


class OCREngine(Protocol):
    """Reads text lines from one RGB page image (H x W x 3, uint8)."""

    name: str
    version: str  # engine + model + parameter versions: part of the cache key

    def recognize(self, image: np.ndarray) -> list[Line]: ...


EngineFactory = Callable[[str], OCREngine]
VersionFn = Callable[[str], str]
_FACTORIES: dict[str, EngineFactory] = {}
_VERSIONS: dict[str, VersionFn] = {}
_INSTANCES: dict[tuple[str, str], OCREngine] = {}
_LOCK = threading.Lock()


def register_engine(name: str, version: VersionFn) -> Callable[[EngineFactory], EngineFactory]:
    """Register a factory (lang -> engine) and a function giving the engine's version for a
    language without loading any model (the cache is consulted before an engine is loaded)."""
    def deco(factory: EngineFactory) -> EngineFactory:
        _FACTORIES[name] = factory
        _VERSIONS[name] = version
        return factory

    return deco


def engine_version(name: str, lang: str = "en") -> str:
    if name not in _VERSIONS:
        raise EngineError(f"unknown OCR engine {name!r}; available: {', '.join(available_engines())}")
    return _VERSIONS[name](lang)


def available_engines() -> list[str]:
    return sorted(_FACTORIES)


def get_engine(name: str, lang: str = "en") -> OCREngine:
    """The process-wide engine for (name, lang), created on first use."""
    key = (name, lang)
    eng = _INSTANCES.get(key)
    if eng is not None:
        return eng
    if name not in _FACTORIES:
        raise EngineError(f"unknown OCR engine {name!r}; available: {', '.join(available_engines())}")
    with _LOCK:
        eng = _INSTANCES.get(key)
        if eng is None:
            eng = _FACTORIES[name](lang)
            _INSTANCES[key] = eng
    return eng


def loaded_engines() -> list[OCREngine]:
    return list(_INSTANCES.values())


def quad_from_rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[float(x0), float(y0)], [float(x1), float(y0)], [float(x1), float(y1)], [float(x0), float(y1)]]
