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
from typing import Any

import sqlite_utils

from .. import crypto, id_index
from ..fields.case import compare_case
from ..models import DocumentResult
from ..privacy import mask_data, mask_text
from ..store import connect
from . import repository
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


def delete(db: sqlite_utils.Database, file_hash: str) -> int:
    return db.conn.execute("delete from cases where file_hash = ?", [file_hash]).rowcount


def purge(db: sqlite_utils.Database, cutoff: float, keep: set[str]) -> int:
    """Labels older than `cutoff` of documents not in `keep` (a job that never became a record)."""
    stale = [r[0] for r in db.execute("select file_hash from cases where created_at < ?", [cutoff])
             if r[0] not in keep]
    return sum(delete(db, h) for h in stale)
