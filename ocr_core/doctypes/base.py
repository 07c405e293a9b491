"""What a document type is: its spec (`DocType`) and its named fields' (`FieldSpec`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any, Callable

from ..idtypes import REGISTRY as ID_REGISTRY


@dataclass(frozen=True)
class FieldSpec:
    key: str  # the key in `result.fields`, the export column
    kind: str  # how its value is normalised and checked (`fields.base.normalise`)
    label: str  # what a person reads (the desk)
    labels: tuple[str, ...] = ()  # the labels printed before its value, matched fuzzily (`fields.labels`)
    expected: bool = False  # printed on every document of the type: missing, it is routed to a person


@dataclass(frozen=True)
class DocType:
    """One document type. `extractor` and `label_patterns` are the objects themselves or
    ``"module:attribute"`` references, resolved on first use (the extractors import the result
    model, which derives its list from here)."""
    name: str
    label: str
    anchors: tuple[tuple[str, float], ...]  # (phrase, weight): printed phrases, matched fuzzily
    fields: tuple[FieldSpec, ...] = ()
    extractor: str | Callable[..., Any] | None = None  # Doc -> {key: Found | None}
    label_patterns: str | tuple[re.Pattern[str], ...] = ()  # lines that are labels, not values
    person: bool = True  # a person's document (a case compares its name and date of birth); else an enterprise's

    @property
    def document_type(self) -> str:
        return self.name

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def id_types(self) -> tuple[str, ...]:
        """The ID types a valid one of which is evidence for this type (the ID registry's `decides`)."""
        return tuple(s.type for s in ID_REGISTRY if s.decides == self.name)

    @property
    def expected(self) -> tuple[str, ...]:
        """The keys every document of the type prints (`record.repository.attention` flags one missing)."""
        return tuple(f.key for f in self.fields if f.expected)

    def kind(self, key: str, default: str = "text") -> str:
        """How the key's value is normalised and checked; `default` for a key the type does not list."""
        return next((f.kind for f in self.fields if f.key == key), default)

    def extract(self, doc: Any) -> dict[str, Any]:
        if self.extractor is None:
            return {}
        return _resolve(self.extractor)(doc)

    @property
    def labels(self) -> tuple[re.Pattern[str], ...]:
        return tuple(_resolve(self.label_patterns)) if self.label_patterns else ()


def _resolve(ref: Any) -> Any:
    return _import(ref) if isinstance(ref, str) else ref


@cache
def _import(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(import_module(module), attr)
