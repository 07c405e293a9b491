"""Named fields (name, father's name, date of birth, gender, address, ...) by document type.

`extract_fields(document_type, pages, ids)` reads the page lines with layout-aware rules (a label
and its value on the same line, to its right or on the line below; bilingual labels like
"नाम / Name"), normalises the values and validates them. One list of per-type extractors
(`EXTRACTORS`, derived from the document-type registry `ocr_core.doctypes`) and a factory
(`extractor_for`); each type's rules live in its own module, which its spec names.
"""
from __future__ import annotations

from .. import doctypes
from ..doctypes import DocType
from ..models import DetectedID, Field, Page
from .base import Doc, cross_check, to_field
from .devanagari import hindi_available, read_devanagari
from .layout import Layout, page_lines
from .qr import apply_qr


TypeFields = DocType  # a document type's spec: its keys, their kinds, its extractor and label patterns
EXTRACTORS = doctypes.EXTRACTORS  # the registered types that have an extractor, in registry order


def extractor_for(document_type: str) -> DocType | None:
    spec = doctypes.get(document_type)
    return spec if spec is not None and spec.extractor is not None else None


def field_keys(document_type: str) -> tuple[str, ...]:
    e = extractor_for(document_type)
    return e.keys if e else ()


def reads_devanagari(document_type: str) -> bool:
    """Whether the type has a field printed in Devanagari (an Aadhaar's `name_hi`)."""
    spec = extractor_for(document_type)
    return spec is not None and any(spec.kind(k) == "deva" for k in spec.keys)


all_field_keys = doctypes.all_field_keys  # every key of every type, each once (the export columns)


def _found(spec: DocType, pages: list[Page], ids: list[DetectedID]):
    return spec.extract(Doc(Layout(page_lines(pages), spec.labels), ids))


def source_boxes(document_type: str, pages: list[Page], ids: list[DetectedID],
                 kinds: frozenset[str] | None = None) -> list[list]:
    """The boxes of the lines the type's fields (of `kinds`, all when None) are read from: the page
    lines' own `box` objects (so a caller finds its lines by identity). The cascade engine re-reads
    these lines."""
    spec = extractor_for(document_type)
    if spec is None:
        return []
    known = doctypes.KINDS  # a key the type does not list: the kind the first type with it gives
    return [t.orig for key, f in _found(spec, pages, ids).items() if f is not None
            and (kinds is None or spec.kind(key, known.get(key, "text")) in kinds)
            for t in f.lines if t.orig is not None]


def extract_fields(document_type: str, pages: list[Page], ids: list[DetectedID]) -> dict[str, Field]:
    spec = extractor_for(document_type)
    if spec is None:
        return {}
    found = _found(spec, pages, ids)
    fields: dict[str, Field] = {}
    for key in spec.keys:
        f = found.get(key)
        fld = to_field(key, spec.kind(key), f) if f is not None else None
        if fld is not None and fld.value:
            fields[key] = fld
    cross_check(fields)
    return fields


__all__ = ["EXTRACTORS", "TypeFields", "extractor_for", "extract_fields", "field_keys", "all_field_keys",
           "read_devanagari", "hindi_available", "apply_qr", "source_boxes",
           "reads_devanagari"]
