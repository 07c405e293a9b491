"""Document type from weighted, fuzzy anchor phrases plus decisive validated IDs."""
from __future__ import annotations

from rapidfuzz import fuzz

from .idtypes import DECISIVE
from .models import DetectedID

# (phrase, weight) per document type; phrases are matched fuzzily against each line
ANCHORS: dict[str, list[tuple[str, float]]] = {
    "PAN": [("INCOME TAX DEPARTMENT", 3.0), ("Permanent Account Number", 3.0), ("आयकर विभाग", 2.0)],
    "AADHAAR": [("Unique Identification Authority of India", 3.0), ("Aadhaar", 2.0), ("आधार", 2.0),
                ("Government of India", 0.5), ("VID", 1.0), ("Enrolment No", 1.5), ("मेरा आधार", 1.0)],
    "DL": [("Driving Licence", 2.5), ("Union of India", 1.0), ("Transport Department", 1.5),
           ("ड्राइविंग लाइसेंस", 1.5), ("DL No", 1.5), ("COV", 0.5)],
    "PASSPORT": [("Republic of India", 2.0), ("Passport", 2.0), ("पासपोर्ट", 1.0), ("Place of Issue", 1.0),
                 ("Date of Expiry", 0.5)],
    "UDYAM": [("UDYAM REGISTRATION CERTIFICATE", 3.5), ("Ministry of Micro, Small and Medium Enterprises", 2.0),
              ("Udyam Registration Number", 2.0), ("Type of Enterprise", 1.0)],
    "GSTIN": [("Form GST REG-06", 3.5), ("Registration Certificate", 1.0), ("Goods and Services Tax", 2.0),
              ("Constitution of Business", 1.0), ("Legal Name", 0.5)],
    "VOTER_ID": [("Election Commission of India", 3.5), ("Elector Photo Identity Card", 2.5),
                 ("भारत निर्वाचन आयोग", 1.5), ("Elector's Name", 1.0)],
}
# a valid ID of this type is evidence for the document type its registry entry decides
DECISIVE_IDS = DECISIVE
FUZZY_MIN = 86.0
MIN_SCORE = 3.0
MIN_MARGIN = 1.0


def _phrase_score(phrase: str, lines: list[str]) -> float:
    p = phrase.lower()
    best = 0.0
    for ln in lines:
        lo = ln.lower()
        if len(lo) < len(p) * 0.6:
            continue
        best = max(best, fuzz.partial_ratio(p, lo))
        if best >= 100:
            break
    return best


def score_types(texts: list[str], ids: list[DetectedID]) -> dict[str, float]:
    scores = {t: 0.0 for t in ANCHORS}
    for doc_type, anchors in ANCHORS.items():
        for phrase, weight in anchors:
            s = _phrase_score(phrase, texts)
            if s >= FUZZY_MIN:
                scores[doc_type] += weight * (s / 100.0)
    seen: set[str] = set()
    for i in ids:
        if i.valid and i.type in DECISIVE_IDS and i.type not in seen:
            seen.add(i.type)
            doc_type, weight = DECISIVE_IDS[i.type]
            scores[doc_type] += weight
    return scores


def classify(texts: list[str], ids: list[DetectedID]) -> tuple[str, float]:
    """(document type, score); UNKNOWN when the best score is low or not clearly ahead."""
    scores = score_types(texts, ids)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, s1), (_, s2) = ranked[0], ranked[1]
    if s1 < MIN_SCORE or s1 - s2 < MIN_MARGIN:
        return "UNKNOWN", s1
    return best, s1
