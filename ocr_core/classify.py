"""Document type per page: fuzzy anchor phrases, decisive validated IDs, context rules, and an
explicit margin that decides UNKNOWN; a document's type from its pages' types (`MIXED` when they
differ).

What weighs:
- a valid ID (checksum or structure checked) is evidence for the type its registry entry decides
  (`idtypes`); an invalid one counts for nothing;
- phrases printed on the real variants (old and new cards, e-documents, letters, booklets) match
  fuzzily (rapidfuzz), so OCR slips and re-worded headers still count;
- context: a valid 12-digit Aadhaar number beside a date-of-birth and gender block is an Aadhaar
  front even where the UIDAI header is unreadable or absent.
A page is UNKNOWN when its best score is below `MIN_SCORE` or not `MIN_MARGIN` ahead of the next.
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from . import doctypes
from .idtypes import DECIDES_ALONE, DECISIVE
from .models import MIXED, DetectedID, Page
from .textnorm import normalize

UNKNOWN = "UNKNOWN"
ANCHORS = doctypes.ANCHORS  # (phrase, weight) per document type, from its spec; matched fuzzily
# a valid ID of this type is evidence for the document type its registry entry decides
DECISIVE_IDS = DECISIVE
FUZZY_MIN = 86.0
MIN_SCORE = 3.0
MIN_MARGIN = 1.0
# context: a date of birth (or year of birth) and a gender on the same page as a valid Aadhaar number
_DOB = re.compile(r"\b(?:DOB|D0B|Date of Birth|Year of Birth|YOB|जन्म)\b|\b\d{2}[/-]\d{2}[/-](?:19|20)\d{2}\b", re.I)
_GENDER = re.compile(r"\b(?:MALE|FEMALE|TRANSGENDER)\b|पुरुष|महिला", re.I)
AADHAAR_FRONT_CONTEXT = 1.5


def _phrase_score(phrase: str, lines: list[str]) -> float:
    """The best fuzzy match (0-100) of a phrase in the lines (lower-cased): a line at least as long
    as the phrase may hold it anywhere; a shorter one (a truncated reading, down to 0.85 of the
    phrase) must match it as a whole, so that a part of a phrase is not taken for all of it."""
    p = phrase.lower()
    longer = [ln for ln in lines if len(ln) >= len(p)]
    shorter = [ln for ln in lines if len(p) * 0.85 <= len(ln) < len(p)]
    best = 0.0
    for scorer, group in ((fuzz.partial_ratio, longer), (fuzz.ratio, shorter)):
        hit = process.extractOne(p, group, scorer=scorer, score_cutoff=best) if group else None
        if hit is not None:
            best = max(best, hit[1])
    return best


def score_types(texts: list[str], ids: list[DetectedID]) -> dict[str, float]:
    texts = [normalize(t) for t in texts]
    lowered = [t.lower() for t in texts]
    scores = {t: 0.0 for t in ANCHORS}
    for doc_type, anchors in ANCHORS.items():
        for phrase, weight in anchors:
            s = _phrase_score(phrase, lowered)
            if s >= FUZZY_MIN:
                scores[doc_type] += weight * (s / 100.0)
    seen: set[str] = set()
    for i in ids:
        if i.valid and i.type in DECISIVE_IDS and i.type not in seen:
            seen.add(i.type)
            doc_type, weight = DECISIVE_IDS[i.type]
            scores[doc_type] += weight
    if "AADHAAR" in seen:
        joined = "\n".join(texts)
        if _DOB.search(joined) and _GENDER.search(joined):
            scores["AADHAAR"] += AADHAAR_FRONT_CONTEXT
    return scores


def classify(texts: list[str], ids: list[DetectedID]) -> tuple[str, float]:
    """(document type, score); UNKNOWN when the best score is low or not clearly ahead."""
    scores = score_types(texts, ids)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, s1), (_, s2) = ranked[0], ranked[1]
    if s1 < MIN_SCORE or s1 - s2 < MIN_MARGIN:
        by_id = _decided_by_id(scores, ids)
        return (by_id, scores[by_id]) if by_id else (UNKNOWN, s1)
    return best, s1


def _decided_by_id(scores: dict[str, float], ids: list[DetectedID]) -> str | None:
    """The type that valid IDs which decide on their own (`idtypes.IDSpec.alone`: a checksum or a
    fixed prefix, e.g. an EPIC, an Aadhaar number, a GSTIN, a UDYAM number) all point to, where the
    printed anchors could not decide (a motion-blurred card); None when valid IDs point to several
    types (a statement quoting them) or another type's score is at least `MIN_SCORE` (strong anchor
    evidence says otherwise)."""
    kinds = {DECISIVE[i.type][0] for i in ids if i.valid and i.type in DECISIVE}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if not any(i.valid and DECIDES_ALONE.get(i.type) == kind for i in ids):
        return None
    if any(s >= MIN_SCORE for t, s in scores.items() if t != kind):
        return None
    return kind


def classify_pages(pages: list[Page], ids: list[DetectedID]) -> tuple[str, float]:
    """Type every page on its own (sets `page.document_type` and its score), then the document: the
    type its known pages share, `MIXED` when they differ (UNKNOWN pages, such as blank backs, do not
    count). When no page is known on its own, the whole document's text and IDs are classified
    together (a certificate whose header and number fall on different pages)."""
    for pg in pages:
        t, s = classify([ln.text for ln in pg.lines], [i for i in ids if i.page == pg.number])
        pg.document_type, pg.document_type_score = t, s
    known = [pg for pg in pages if pg.document_type != UNKNOWN]
    kinds = {pg.document_type for pg in known}
    if len(kinds) == 1:
        return kinds.pop(), max(pg.document_type_score for pg in known)
    if len(kinds) > 1:
        return MIXED, min(pg.document_type_score for pg in known)
    if len(pages) == 1:
        return UNKNOWN, pages[0].document_type_score if pages else 0.0
    return classify([ln.text for pg in pages for ln in pg.lines], ids)
