"""The engine protocol and a registry by name (one instance pool per name and language per process).

An engine registers itself with `register_engine` at import (`engines/__init__` imports them all);
one that re-reads by the documents' rules (``cascade``) registers with `policy=True` and is built
with the `RereadPolicy` its caller passes to `get_engine` (the pipeline's, `ocr_core.reread`)."""
from __future__ import annotations

import queue
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Protocol

import numpy as np

from ..errors import EngineError
from ..models import Line
from .policy import RereadPolicy


class OCREngine(Protocol):
    """Reads text lines from one RGB page image (H x W x 3, uint8)."""

    name: str
    version: str  # engine + model + parameter versions: part of the cache key

    def recognize(self, image: np.ndarray) -> list[Line]: ...


EngineFactory = Callable[..., OCREngine]  # (lang) -> engine, or (lang, policy) -> engine
VersionFn = Callable[[str], str]
_FACTORIES: dict[str, EngineFactory] = {}
_VERSIONS: dict[str, VersionFn] = {}
_TAKES_POLICY: set[str] = set()
_INSTANCES: dict[tuple[str, str, Any], OCREngine] = {}
_LOCK = threading.Lock()


def register_engine(name: str, version: VersionFn, *, policy: bool = False) -> Callable[[EngineFactory], EngineFactory]:
    """Register a factory (lang -> engine; (lang, policy) -> engine with `policy`: an engine that
    re-reads by a `RereadPolicy`) and a function giving the engine's version for a language
    without loading any model (the cache is consulted before an engine is loaded)."""
    def deco(factory: EngineFactory) -> EngineFactory:
        _FACTORIES[name] = factory
        _VERSIONS[name] = version
        (_TAKES_POLICY.add if policy else _TAKES_POLICY.discard)(name)
        return factory

    return deco


def takes_policy(name: str) -> bool:
    """Whether engine `name` is built with a re-read policy (`get_engine(..., policy=)`)."""
    return name in _TAKES_POLICY


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

    def __init__(self, factory: Callable[[str], OCREngine], lang: str, size: int) -> None:
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


def get_engine(name: str, lang: str = "en", policy: RereadPolicy | None = None) -> OCREngine:
    """The process-wide engine for (name, lang) and, for an engine that re-reads, its `policy`,
    created on first use: a pool of up to OCR_ENGINE_INSTANCES instances (default 1). Other
    engines ignore `policy` (one pool whatever is passed)."""
    if name not in _FACTORIES:
        raise EngineError(f"unknown OCR engine {name!r}; available: {', '.join(available_engines())}")
    needs = name in _TAKES_POLICY
    if needs and policy is None:
        raise EngineError(f"the {name!r} engine re-reads by the documents' rules: build it with a re-read policy "
                          "(ocr_core.reread.engine, or get_engine(..., policy=ocr_core.reread.POLICY))")
    key = (name, lang, policy if needs else None)
    eng = _INSTANCES.get(key)
    if eng is not None:
        return eng
    from ..config import get_settings

    factory = _FACTORIES[name]
    with _LOCK:
        eng = _INSTANCES.get(key)
        if eng is None:
            make = (lambda lg: factory(lg, policy)) if needs else factory
            eng = EnginePool(make, lang, get_settings().ocr_engine_instances)
            _INSTANCES[key] = eng
    return eng


def loaded_engines() -> list[OCREngine]:
    return list(_INSTANCES.values())


def quad_from_rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[float(x0), float(y0)], [float(x1), float(y0)], [float(x1), float(y1)], [float(x0), float(y1)]]
