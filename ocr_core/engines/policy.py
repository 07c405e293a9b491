"""What an engine that re-reads asks of the domain: the re-read policy (`RereadPolicy`).

The ``cascade`` engine re-reads only the lines that matter and are in doubt; which ones matter
(the IDs a page's lines make and whether they are valid, how strong an ID type's checksum is,
where a gender is printed, which lines the page's named fields are read from, whether a page is a
poor capture) is knowledge of the
documents, not of OCR. The engine layer states here what it needs; the domain implements it
(`ocr_core.reread.DomainPolicy`) and the pipeline passes it when it builds the engine
(`engines.get_engine(name, lang, policy=...)`). So `engines/` imports nothing of the documents.
"""
from __future__ import annotations

from typing import Protocol, Sequence

from ..models import Line


class FoundID(Protocol):
    """An ID the policy found on a page's lines (`ocr_core.models.DetectedID` is one)."""

    type: str
    value: str
    valid: bool
    raw: str | None
    box: list | None


class RereadPolicy(Protocol):
    def find_ids(self, lines: list[Line]) -> list[FoundID]:
        """The IDs (valid or not) these lines of one page make, best reading first per value."""
        ...

    def strong_checksum(self, id_type: str) -> bool:
        """Whether a valid ID of this type is trusted however unsure its reading (a strong checksum)."""
        ...

    def has_gender(self, text: str) -> bool:
        """Whether this text states a gender (it validates on its own: not re-read)."""
        ...

    def degraded(self, image) -> bool:
        """Whether the page image (RGB) is a poor capture (blurred, glare, text too small): its lines
        still in doubt get an enhanced read (`engines.enhance`)."""
        ...

    def field_lines(self, lines: list[Line], width: int, height: int, ids: Sequence[FoundID]) -> set[int]:
        """The indices of the lines the page's free-text named fields (names, places, addresses) are
        read from, the lines taken as a whole page of `width` x `height` pixels."""
        ...
