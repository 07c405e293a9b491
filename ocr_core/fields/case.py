"""Documents of one case (one person's KYC set): their names and dates of birth compared.

Names match when rapidfuzz's token-sort ratio (case and word order ignored) reaches `NAME_MATCH`;
dates of birth must be equal. Only person documents take part (an enterprise's name is not the
person's). Each mismatch names the two documents and both values.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from rapidfuzz import fuzz

from .. import doctypes
from ..models import DocumentResult

NAME_MATCH = 85.0  # token-sort ratio, 0-100
PERSON_TYPES = doctypes.PERSON_TYPES  # the registry's person (not enterprise) types


@dataclass(frozen=True)
class Mismatch:
    key: str  # "name" or "dob"
    first: str  # file hash
    second: str
    first_value: str
    second_value: str
    score: float  # name similarity 0-100 (dates: 0)

    def to_dict(self) -> dict:
        return {"field": self.key, "documents": [self.first, self.second],
                "values": [self.first_value, self.second_value], "score": round(self.score, 1)}


def name_score(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a.casefold(), b.casefold())


def compare_case(results: list[DocumentResult]) -> list[Mismatch]:
    people = [r for r in results if r.document_type in PERSON_TYPES]
    out: list[Mismatch] = []
    for a, b in combinations(people, 2):
        na, nb = a.fields.get("name"), b.fields.get("name")
        if na and nb and na.value and nb.value:
            s = name_score(na.value, nb.value)
            if s < NAME_MATCH:
                out.append(Mismatch("name", a.file_hash, b.file_hash, na.value, nb.value, s))
        da, db = a.fields.get("dob"), b.fields.get("dob")
        if da and db and da.value and db.value and da.value != db.value:
            out.append(Mismatch("dob", a.file_hash, b.file_hash, da.value, db.value, 0.0))
    return out
