"""Labels found by fuzzy, OCR-confusion-aware matching: a label read with one character wrong
(``DOl:`` for ``DOI:``, ``S/D/Wof:`` for ``S/D/W of:``, ``Dale of Birth``) is still that label.

The printed label phrases are the document-type registry's (`doctypes`: `FieldSpec.labels`, one
table per type). A `Label` is the field's regular expression (tried first, as before) with a fuzzy
fallback over those phrases. To keep ordinary words from being taken for a short label, a fuzzy
match must stand where a label stands (the start of the line, or after the ``/`` of a bilingual
label), end at a word boundary, and, for a label of five characters or fewer, be followed by a
colon (or end the line, read as printed once the confusions are folded); the edits allowed grow with the label's length (none for three characters,
after folding the OCR confusions of `ids`: ``DOl`` folds to ``doi``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from .. import doctypes
from ..doctypes.specs import FIELD
from ..ids import TO_LETTER

# the OCR confusions of `ids`, folded to one letter each (0 -> o, 1/l/| -> i, 5 -> s, 8 -> b ...)
_FOLD = {**{d.lower(): l.lower() for d, l in TO_LETTER.items()}, "0": "o", "1": "i", "l": "i", "|": "i", "!": "i"}
_DROP = set(" \t'’`.-")  # spacing, apostrophes and dots are read unreliably in labels


def fold(text: str) -> tuple[str, list[int]]:
    """(folded text, index in `text` of each folded character)."""
    out, where = [], []
    for i, c in enumerate(text.lower()):
        if c in _DROP:
            continue
        out.append(_FOLD.get(c, c))
        where.append(i)
    return "".join(out), where


def max_edits(n: int) -> int:
    return 0 if n <= 3 else 1 if n <= 10 else 2


@dataclass
class LabelMatch:
    """What `re.Match` offers the layout: where the label starts and ends in the line."""
    string: str
    _start: int
    _end: int

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, n: int = 0) -> str:
        return self.string[self._start:self._end]


_STARTS = re.compile(r"^\W*|/\s*")


def fuzzy_find(text: str, phrases: tuple[str, ...]) -> LabelMatch | None:
    """The first place a label of `phrases` stands in `text`, read with up to `max_edits` errors."""
    for m in _STARTS.finditer(text):
        at = m.end()
        if at >= len(text):
            continue
        folded, where = fold(text[at:])
        for phrase in phrases:
            p, _ = fold(phrase)
            n, k = len(p), max_edits(len(p))
            if n < 3 or not phrase.isascii():
                continue
            sizes = [s for s in range(max(1, n - k), min(n + k, len(folded)) + 1) if folded[0] == p[0]]
            sizes.sort(key=lambda s: (Levenshtein.distance(p, folded[:s]), abs(s - n)))
            for size in sizes:
                cand = folded[:size]
                if Levenshtein.distance(p, cand, score_cutoff=k) > k:
                    continue
                end = at + where[size - 1] + 1
                after = text[end:].lstrip()
                if end < len(text) and text[end].isalnum():
                    continue  # not a word boundary: part of a longer word
                exact = cand == p
                if n <= 5 and not (after.startswith(":") or (after == "" and exact)):
                    continue  # a short label: a colon after it, or the line ends (read as printed, folded)
                return LabelMatch(text, at, end)
    return None


class Label:
    """A label pattern: the regular expression, then the registry's phrases for `key` matched fuzzily.
    Quacks like the compiled pattern the layout expects (`search`, `finditer`)."""

    def __init__(self, pattern: re.Pattern[str], key: str, doc_type: str | None = None):
        self.pattern, self.key, self.doc_type = pattern, key, doc_type

    @property
    def phrases(self) -> tuple[str, ...]:
        return label_phrases(self.key, self.doc_type)

    def search(self, text: str):
        return self.pattern.search(text) or fuzzy_find(text, self.phrases)

    def finditer(self, text: str):
        found = list(self.pattern.finditer(text))
        if found:
            return iter(found)
        m = fuzzy_find(text, self.phrases)
        return iter([m] if m else [])


def label_phrases(key: str, doc_type: str | None = None) -> tuple[str, ...]:
    """The printed labels of a field: the type's own table where given, else the shared one (`FIELD`)."""
    t = doctypes.get(doc_type) if doc_type else None
    spec = next((f for f in t.fields if f.key == key), None) if t else FIELD.get(key)
    return spec.labels if spec else ()
