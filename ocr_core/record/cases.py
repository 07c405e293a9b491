"""Cases: the documents of one person's KYC set, labelled with the same case when they are
uploaded (the desk's Review and Bulk pages, ``batch --case``, the API's ``case`` form field),
get their names and dates of birth compared (`fields.case.compare_case`, on the reviewed fields:
an operator's correction counts). A mismatch is shown on the desk and in the exports (columns
``case`` and ``case_mismatch``; ``case`` in the JSON).

This module owns the ``cases`` table (see `schema`): one row per file hash with the case's keyed
hash (`id_index.keyed`: labels that differ only in letter case or spacing are one case) to group
by, and the label as given, encrypted. A label may be set before the document record exists (a
queued job: the job's file hash is known at once); `record.erase` and retention delete the row
with the document.
"""
from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .. import crypto, id_index
from ..fields.case import compare_case
from ..models import DocumentResult
from ..privacy import mask_data, mask_text
from ..store import connect
from . import repository
from .decisions import approval_needs_reason
from .view import view


MAX_LEN = 80
WHAT = {"name": "name", "dob": "date of birth"}
SEP = " | "


def clean(label: str | None) -> str | None:
    """The label with its spacing collapsed; None when empty. ValueError when too long or holding
    control characters."""
    text = " ".join(str(label or "").split())
    if not text:
        return None
    if len(text) > MAX_LEN:
        raise ValueError(f"a case label has at most {MAX_LEN} characters")
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise ValueError("a case label cannot hold control characters")
    return text


def _digest(label: str) -> str:
    return id_index.keyed("case", label.casefold())


def _db(db: sqlite_utils.Database | None) -> sqlite_utils.Database:
    return db or connect()


def assign(file_hash: str, label: str | None, db: sqlite_utils.Database | None = None) -> str | None:
    """Put the document (its file hash) in the case `label` (replacing an earlier one); an empty
    label changes nothing. Returns the label kept."""
    text = clean(label)
    if text is None:
        return None
    _db(db).conn.execute(
        "insert into cases (file_hash, case_digest, label, created_at) values (?, ?, ?, ?) "
        "on conflict(file_hash) do update set case_digest = excluded.case_digest, label = excluded.label",
        [file_hash, _digest(text), crypto.encrypt_maybe(text), time.time()])
    return text


def label_of(file_hash: str, db: sqlite_utils.Database | None = None) -> str | None:
    """The document's case label as given (an Aadhaar or VID number typed into it masked), or None."""
    row = _db(db).execute("select label from cases where file_hash = ?", [file_hash]).fetchone()
    return mask_text(crypto.decrypt_maybe(row[0])) if row else None


def members(file_hash: str, db: sqlite_utils.Database | None = None) -> list[str]:
    """The other kept documents of this document's case, oldest first."""
    db = _db(db)
    rows = db.execute("select c.file_hash from cases c join cases me on me.case_digest = c.case_digest "
                      "where me.file_hash = ? and c.file_hash != ? order by c.created_at, c.file_hash",
                      [file_hash, file_hash]).fetchall()
    return [r[0] for r in rows if repository.exists(r[0], db)]


def find(text: str, db: sqlite_utils.Database | None = None) -> set[str]:
    """The documents of the case with this label (History's search)."""
    try:
        label = clean(text)
    except ValueError:
        return set()
    if label is None:
        return set()
    return {r[0] for r in _db(db).execute("select file_hash from cases where case_digest = ?", [_digest(label)])}


def mismatches(file_hash: str, result: DocumentResult | None = None,
               db: sqlite_utils.Database | None = None) -> list[dict[str, Any]]:
    """Where this document (its reviewed `result`, read when not given) and the other documents
    of its case disagree: ``{field, case, other, other_filename, value, other_value, score}``."""
    db = _db(db)
    label = label_of(file_hash, db)
    if label is None:
        return []
    if result is None:
        v = view(file_hash, db=db)
        if v is None:
            return []
        result = v.result
    out = []
    for other in members(file_hash, db):
        ov = view(other, db=db)
        if ov is None:
            continue
        for m in compare_case([result, ov.result]):
            mine_first = m.first == result.file_hash
            out.append({"field": m.key, "case": label, "other": other,
                        "other_filename": ov.row.get("filename") or ov.result.filename,
                        "value": m.first_value if mine_first else m.second_value,
                        "other_value": m.second_value if mine_first else m.first_value,
                        "score": round(m.score, 1)})
    return mask_data(out)  # field values and file names: the one filter


def describe(m: dict[str, Any]) -> str:
    """"name differs from pan.png (3f2a9c01d4) in case LOAN-7: Ravi Kumar vs Ravi Kumaar"."""
    return (f"{WHAT.get(m['field'], m['field'])} differs from {m['other_filename']} ({m['other'][:10]}) "
            f"in case {m['case']}: {m['value']} vs {m['other_value']}")


def summary(file_hash: str, result: DocumentResult | None = None,
            db: sqlite_utils.Database | None = None) -> dict[str, Any] | None:
    """The JSON export's ``case``: label, the other documents, the mismatches; None without a case."""
    label = label_of(file_hash, db)
    if label is None:
        return None
    return {"label": label, "documents": members(file_hash, db), "mismatches": mismatches(file_hash, result, db)}


def columns(file_hash: str, result: DocumentResult | None = None) -> dict[str, str]:
    """The CSV export's ``case`` and ``case_mismatch`` (each mismatch in words, `SEP`-separated)."""
    label = label_of(file_hash)
    if label is None:
        return {"case": "", "case_mismatch": ""}
    return {"case": label, "case_mismatch": SEP.join(describe(m) for m in mismatches(file_hash, result))}


@dataclass(frozen=True)
class CaseSummary:
    """One case for a list to pick from: its `key` (the keyed hash: what links carry, never the
    label), the label as first given (masked) and how many kept documents it has."""
    key: str
    label: str
    n_documents: int


@dataclass
class CaseDocument:
    """One document of a case as the case view shows it: the reviewed name and date of birth
    (masked), which of them disagree with another document of the case (`mismatched`), and what a
    decision on it needs (`version` to decide on, `needs_reason` to approve)."""
    file_hash: str
    filename: str
    document_type: str
    review_status: str
    reviewed_by: str | None
    pages: list[int]
    name: str | None
    dob: str | None
    version: int
    n_ids: int
    n_invalid: int
    needs_reason: list[str] = field(default_factory=list)
    mismatched: set[str] = field(default_factory=set)  # "name", "dob"


@dataclass
class CaseView:
    """All kept documents of one case, oldest first, and every mismatch between two of them
    (`mismatches`: ``{field, first, second, first_filename, second_filename, first_value,
    second_value, score}``, masked)."""
    key: str
    label: str
    documents: list[CaseDocument]
    mismatches: list[dict[str, Any]]


def key_of(label: str) -> str | None:
    """The case key (keyed hash) of a label; None for an empty or bad label."""
    try:
        text = clean(label)
    except ValueError:
        return None
    return _digest(text) if text else None


def with_key(key: str, db: sqlite_utils.Database | None = None) -> list[str]:
    """The file hashes of one case, by its key (`CaseSummary.key`)."""
    return [r[0] for r in _db(db).execute("select file_hash from cases where case_digest = ?", [key])]


def listing(db: sqlite_utils.Database | None = None) -> list[CaseSummary]:
    """Every case with at least one kept document, the newest first (its label as first given)."""
    db = _db(db)
    groups: dict[str, list[tuple[float, str, str]]] = {}
    for h, digest, label, created in db.execute("select file_hash, case_digest, label, created_at from cases"):
        if repository.exists(h, db):
            groups.setdefault(digest, []).append((created or 0.0, h, label))
    out = []
    for digest, rows in groups.items():
        rows.sort()
        out.append((rows[-1][0], CaseSummary(digest, mask_text(crypto.decrypt_maybe(rows[0][2])), len(rows))))
    return [c for _, c in sorted(out, key=lambda t: (-t[0], t[1].label))]


def of_documents(file_hashes: list[str], db: sqlite_utils.Database | None = None) -> dict[str, tuple[str, str]]:
    """file hash -> (case key, label masked) for those of these documents that are in a case."""
    hashes = list(file_hashes)
    if not hashes:
        return {}
    rows = _db(db).execute(f"select file_hash, case_digest, label from cases where file_hash in "
                           f"({','.join('?' * len(hashes))})", hashes).fetchall()
    return {h: (digest, mask_text(crypto.decrypt_maybe(label))) for h, digest, label in rows}


def case_view(label: str | None = None, *, key: str | None = None,
              db: sqlite_utils.Database | None = None) -> CaseView | None:
    """The case of this `label` (or of its `key`, what `listing` and links carry): its documents as
    reviewed, their names and dates of birth compared (`compare_case`); None when it has no kept
    document."""
    db = _db(db)
    digest = key or (key_of(label) if label is not None else None)
    if not digest:
        return None
    rows = db.execute("select file_hash, label from cases where case_digest = ? order by created_at, file_hash",
                      [digest]).fetchall()
    views = [(h, lab, v) for h, lab in rows if (v := view(h, db=db)) is not None]
    if not views:
        return None
    docs: dict[str, CaseDocument] = {}
    for h, _, v in views:
        f = v.result.fields
        docs[h] = CaseDocument(
            file_hash=h, filename=mask_text(v.row.get("filename") or v.result.filename),
            document_type=v.result.document_type, review_status=v.row.get("review_status") or "pending",
            reviewed_by=v.row.get("reviewed_by"), pages=[p.number for p in v.result.pages],
            name=mask_text(f["name"].value) if f.get("name") and f["name"].value else None,
            dob=f["dob"].value if f.get("dob") and f["dob"].value else None,
            version=v.version, n_ids=len(v.result.ids), n_invalid=len(v.invalid),
            needs_reason=approval_needs_reason(v))
    found = []
    for m in compare_case([v.result for _, _, v in views]):
        docs[m.first].mismatched.add(m.key)
        docs[m.second].mismatched.add(m.key)
        found.append({"field": m.key, "first": m.first, "second": m.second,
                      "first_filename": docs[m.first].filename, "second_filename": docs[m.second].filename,
                      "first_value": m.first_value, "second_value": m.second_value, "score": round(m.score, 1)})
    label_text = mask_text(crypto.decrypt_maybe(views[0][1]))
    return CaseView(digest, label_text, list(docs.values()), mask_data(found))


def describe_pair(m: dict[str, Any]) -> str:
    """"Name: Ravi Kumar (pan.png) vs Ravi Kumaar (aadhaar.png)"."""
    return (f"{WHAT.get(m['field'], m['field']).capitalize()}: {m['first_value']} ({m['first_filename']}) vs "
            f"{m['second_value']} ({m['second_filename']})")


def delete(db: sqlite_utils.Database, file_hash: str) -> int:
    return db.conn.execute("delete from cases where file_hash = ?", [file_hash]).rowcount


def purge(db: sqlite_utils.Database, cutoff: float, keep: set[str]) -> int:
    """Labels older than `cutoff` of documents not in `keep` (a job that never became a record)."""
    stale = [r[0] for r in db.execute("select file_hash from cases where created_at < ?", [cutoff])
             if r[0] not in keep]
    return sum(delete(db, h) for h in stale)
