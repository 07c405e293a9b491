"""Named fields (name, father's name, date of birth, gender, address, ...) by document type.

`extract_fields(document_type, pages, ids)` reads the page lines with layout-aware rules (a label
and its value on the same line, to its right or on the line below; bilingual labels like
"नाम / Name"), normalises the values and validates them. One list of per-type extractors
(`EXTRACTORS`) and a factory (`extractor_for`); each type's rules live in its own module.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import DetectedID, Field, Page
from . import business, cards, passport
from .base import KINDS, Doc, Extractor, cross_check, to_field
from .devanagari import hindi_available, read_devanagari
from .layout import Layout, page_lines
from .qr import apply_qr


@dataclass(frozen=True)
class TypeFields:
    document_type: str
    keys: tuple[str, ...]  # exactly the keys this type's result holds (when found)
    extract: Extractor
    labels: tuple[re.Pattern[str], ...]
    kinds: tuple[tuple[str, str], ...] = ()  # per-type overrides of base.KINDS

    def kind(self, key: str) -> str:
        return dict(self.kinds).get(key) or KINDS.get(key, "text")


EXTRACTORS: list[TypeFields] = [
    TypeFields("PAN", ("name", "father_name", "dob"), cards.pan, cards.PAN_LABELS),
    TypeFields("AADHAAR", ("name", "name_hi", "dob", "gender", "father_name", "address"), cards.aadhaar,
               cards.AADHAAR_LABELS),
    TypeFields("DL", ("name", "father_name", "relation", "dob", "date_of_issue", "valid_till", "cov"), cards.dl,
               cards.DL_LABELS),
    TypeFields("PASSPORT", ("name", "surname", "given_names", "nationality", "gender", "dob", "place_of_birth",
                            "date_of_issue", "date_of_expiry"), passport.passport, passport.LABELS),
    TypeFields("VOTER_ID", ("name", "father_name", "gender", "dob"), cards.voter, cards.VOTER_LABELS),
    TypeFields("UDYAM", ("name", "enterprise_type", "major_activity", "date_of_incorporation",
                         "date_of_udyam_registration", "address"), business.udyam, business.UDYAM_LABELS,
               (("name", "text"),)),
    TypeFields("GSTIN", ("name", "trade_name", "constitution", "date_of_liability", "address"), business.gstin,
               business.GST_LABELS, (("name", "text"),)),
]


def extractor_for(document_type: str) -> TypeFields | None:
    return next((e for e in EXTRACTORS if e.document_type == document_type), None)


def field_keys(document_type: str) -> tuple[str, ...]:
    e = extractor_for(document_type)
    return e.keys if e else ()


def reads_devanagari(document_type: str) -> bool:
    """Whether the type has a field printed in Devanagari (an Aadhaar's `name_hi`)."""
    spec = extractor_for(document_type)
    return spec is not None and any(spec.kind(k) == "deva" for k in spec.keys)


def all_field_keys() -> list[str]:
    """Every key of every type, each once (the export columns)."""
    out: list[str] = []
    for e in EXTRACTORS:
        out += [k for k in e.keys if k not in out]
    return out


def _found(spec: TypeFields, pages: list[Page], ids: list[DetectedID]):
    return spec.extract(Doc(Layout(page_lines(pages), spec.labels), ids))


def source_boxes(document_type: str, pages: list[Page], ids: list[DetectedID],
                 kinds: frozenset[str] | None = None) -> list[list]:
    """The boxes of the lines the type's fields (of `kinds`, all when None) are read from: the page
    lines' own `box` objects (so a caller finds its lines by identity). The cascade engine re-reads
    these lines."""
    spec = extractor_for(document_type)
    if spec is None:
        return []
    return [t.orig for key, f in _found(spec, pages, ids).items() if f is not None
            and (kinds is None or spec.kind(key) in kinds) for t in f.lines if t.orig is not None]


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
