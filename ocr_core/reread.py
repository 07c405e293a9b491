"""The cascade engine's re-read policy, from the documents' rules (`engines.policy.RereadPolicy`).

The engine decides how to re-read; this says what matters on a page: the IDs its lines make
(`ids.extract_ids`), which ID types have a checksum strong enough to trust an unsure reading (`idtypes`),
where a gender is printed (`fields.values.find_gender`), and which lines the page's free-text
named fields come from (`classify` the page, then `fields.source_boxes`), and whether a page is a
poor capture (`quality.degraded`). The pipeline passes
`POLICY` when it builds an engine; `engine()` is that for any other caller (warm-ups, overlays).
"""
from __future__ import annotations

from typing import Sequence

from .classify import classify_pages
from .engines import OCREngine, get_engine
from .engines.policy import FoundID
from .fields import source_boxes
from .fields.values import find_gender
from .ids import extract_ids
from .idtypes import STRONG_CHECKSUM  # a valid ID of these is trusted however unsure its reading
from .models import DetectedID, Line, Page
from .quality import degraded  # a poor capture (blurred, glare, too small): its lines in doubt are read enhanced

FIELD_KINDS = frozenset({"person", "address", "text"})  # free text; dates, genders and the closed
# vocabularies validate on their own, and Devanagari is Tesseract's


class DomainPolicy:
    """`RereadPolicy` over `ids`, `classify` and `fields`."""

    def find_ids(self, lines: list[Line]) -> list[DetectedID]:
        return extract_ids([(1, lines)])

    def strong_checksum(self, id_type: str) -> bool:
        return id_type in STRONG_CHECKSUM

    def has_gender(self, text: str) -> bool:
        return bool(find_gender(text))

    def degraded(self, image) -> bool:
        return degraded(image)

    def field_lines(self, lines: list[Line], width: int, height: int, ids: Sequence[FoundID]) -> set[int]:
        page = Page(1, width, height, "ocr", lines)
        doc_type, _ = classify_pages([page], list(ids))
        where = {id(ln.box): k for k, ln in enumerate(lines)}
        return {where[id(b)] for b in source_boxes(doc_type, [page], list(ids), FIELD_KINDS) if id(b) in where}


POLICY = DomainPolicy()


def engine(name: str, lang: str = "en") -> OCREngine:
    """The process-wide engine `name` for `lang`, built with the documents' re-read policy."""
    return get_engine(name, lang, policy=POLICY)
