"""The engine protocol and a registry by name (one instance per name and language per process)."""
from __future__ import annotations

import queue
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Protocol

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


class EnginePool:
    """Up to `size` instances of one engine behind the engine protocol.

    An engine instance serves one caller at a time; concurrent callers borrow a free instance,
    and a new one is created (up to `size`) only when all are busy. With one instance callers
    simply queue. onnxruntime releases the GIL, so instances in threads run in parallel."""

    def __init__(self, factory: EngineFactory, lang: str, size: int) -> None:
        self._factory, self._lang, self._size = factory, lang, max(1, size)
        first = factory(lang)
        self.name, self.version = first.name, first.version
        self._all: list[OCREngine] = [first]
        self._free: queue.LifoQueue[OCREngine] = queue.LifoQueue()
        self._free.put(first)
        self._grow = threading.Lock()

    @property
    def instances(self) -> int:
        return len(self._all)

    def _acquire(self) -> OCREngine:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._grow:
            if len(self._all) < self._size:
                eng = self._factory(self._lang)
                self._all.append(eng)
                return eng
        return self._free.get()

    def recognize(self, image: np.ndarray) -> list[Line]:
        eng = self._acquire()
        try:
            return eng.recognize(image)
        finally:
            self._free.put(eng)

    @contextmanager
    def borrow(self) -> Iterator[OCREngine]:
        """One instance to itself for an engine-specific call (cascade's tiny pass alone)."""
        eng = self._acquire()
        try:
            yield eng
        finally:
            self._free.put(eng)

    def __getattr__(self, attr: str):  # engine-specific extras (e.g. a warm-up) from the first instance
        first = self.__dict__.get("_all")
        if not first:
            raise AttributeError(attr)
        return getattr(first[0], attr)


def get_engine(name: str, lang: str = "en") -> OCREngine:
    """The process-wide engine for (name, lang), created on first use: a pool of up to
    OCR_ENGINE_INSTANCES instances (default 1)."""
    key = (name, lang)
    eng = _INSTANCES.get(key)
    if eng is not None:
        return eng
    if name not in _FACTORIES:
        raise EngineError(f"unknown OCR engine {name!r}; available: {', '.join(available_engines())}")
    from ..config import get_settings

    with _LOCK:
        eng = _INSTANCES.get(key)
        if eng is None:
            eng = EnginePool(_FACTORIES[name], lang, get_settings().ocr_engine_instances)
            _INSTANCES[key] = eng
    return eng


def loaded_engines() -> list[OCREngine]:
    return list(_INSTANCES.values())


def quad_from_rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[float(x0), float(y0)], [float(x1), float(y0)], [float(x1), float(y1)], [float(x0), float(y1)]]
