"""The one home of every document type (the ID types' twin of `idtypes`): one spec per type in
`specs.REGISTRY`, and a factory (`get`). Every other table keyed by document type is derived from
it, live (a type registered later shows in each): `models.DOCUMENT_TYPES`, the classifier's
`ANCHORS`, the field extractors (`fields.extractor_for`), the field kinds (`KINDS`), the ID types
that count as "an ID of the type's kind" (`KIND_IDS`, `record.repository.attention`), the person types a
case compares (`PERSON_TYPES`), the desk's field labels (`FIELD_LABELS`) and the export columns
(`all_field_keys`).

Adding a document type with named fields touches three files: its `DocType` in `specs.py` (with the
labels printed before each field's value, `FieldSpec.labels`, matched fuzzily by `fields.labels`), its
extractor (a function ``Doc -> {key: Found}`` and its label patterns, e.g. a module in
`ocr_core/fields/`, named in the spec as ``"module:attribute"`` so nothing else imports it), and its
tests. The ID types that decide it are the ID registry's (`idtypes.IDSpec.decides`).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Callable

from .base import DocType, FieldSpec, _resolve
from .specs import REGISTRY

MIXED = "MIXED"  # a document whose known pages are of different types (a KYC bundle)
UNKNOWN = "UNKNOWN"

_version = [0]  # bumped by every (un)registration: the derived views rebuild


def get(name: str) -> DocType | None:
    """The spec of a document type (None for UNKNOWN, MIXED or an unknown name)."""
    return next((t for t in REGISTRY if t.name == name), None)


def register(spec: DocType) -> DocType:
    if get(spec.name) is not None:
        raise ValueError(f"document type {spec.name} is registered already")
    REGISTRY.append(spec)
    _version[0] += 1
    return spec


def unregister(name: str) -> None:
    REGISTRY[:] = [t for t in REGISTRY if t.name != name]
    _version[0] += 1


@contextmanager
def registered(spec: DocType) -> Iterator[DocType]:
    """`spec` registered for the block (a plug-in's or a test's type)."""
    register(spec)
    try:
        yield spec
    finally:
        unregister(spec.name)


class _LiveMap(Mapping):
    """A read-only mapping derived from the registry, rebuilt when the registry changes."""

    def __init__(self, build: Callable[[], dict]):
        self._build, self._seen, self._data = build, -1, {}

    def _get(self) -> dict:
        if self._seen != _version[0]:
            self._data, self._seen = self._build(), _version[0]
        return self._data

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return repr(self._get())


class _LiveSeq(Sequence):
    """A read-only sequence derived from the registry, rebuilt when the registry changes."""

    def __init__(self, build: Callable[[], tuple]):
        self._map = _LiveMap(lambda: dict.fromkeys(build()))

    def _get(self) -> tuple:
        return tuple(self._map)

    def __getitem__(self, i):
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._map)

    def __contains__(self, x) -> bool:
        return x in self._map

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __repr__(self) -> str:
        return repr(self._get())


def _first_wins(attr: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in REGISTRY:
        for f in t.fields:
            out.setdefault(f.key, getattr(f, attr))
    return out


# the derived tables
NAMES: Sequence[str] = _LiveSeq(lambda: tuple(t.name for t in REGISTRY))
DOCUMENT_TYPES: Sequence[str] = _LiveSeq(lambda: (*(t.name for t in REGISTRY), MIXED, UNKNOWN))
ANCHORS: Mapping[str, list[tuple[str, float]]] = _LiveMap(lambda: {t.name: list(t.anchors) for t in REGISTRY})
KIND_IDS: Mapping[str, tuple[str, ...]] = _LiveMap(lambda: {t.name: t.id_types for t in REGISTRY})
PERSON_TYPES: Sequence[str] = _LiveSeq(lambda: tuple(t.name for t in REGISTRY if t.person))
EXTRACTORS: Sequence[DocType] = _LiveSeq(lambda: tuple(t for t in REGISTRY if t.extractor is not None))
KINDS: Mapping[str, str] = _LiveMap(lambda: _first_wins("kind"))  # a key's kind where its type does not say
FIELD_LABELS: Mapping[str, str] = _LiveMap(lambda: _first_wins("label"))


def all_field_keys() -> list[str]:
    """Every key of every type, each once, in registry order (the export columns)."""
    return list(_first_wins("key"))


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key) or key.replace("_", " ").capitalize()


__all__ = ["DocType", "FieldSpec", "REGISTRY", "get", "register", "unregister", "registered", "NAMES",
           "DOCUMENT_TYPES", "ANCHORS", "KIND_IDS", "PERSON_TYPES", "EXTRACTORS", "KINDS", "FIELD_LABELS",
           "all_field_keys", "field_label", "MIXED", "UNKNOWN"]
