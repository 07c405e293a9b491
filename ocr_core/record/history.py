"""Every processed document: search, filter and page through the documents (`repository.find`), the
recent ones and the review queue (`next_document`); a document is deleted by `record.erase`. No ID
numbers are read here (only counts and metadata); a search by ID number or by name goes through the
keyed hash index (`id_index`), a search by case label through the case's keyed hash (`cases`).

File names are stored encrypted (see `repository.SEALED`), so the text search and the order by file
name run here in Python over the decrypted names of the rows the other (SQL) filters keep."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .. import id_index
from ..store import connect
from . import cases, repository


COLUMNS = repository.COLUMNS
ORDERS = {"newest": "created_at desc", "oldest": "created_at asc", "updated": "updated_at desc",
          "filename": None, "confidence": "min_confidence asc"}  # None: sorted in Python (encrypted column)


@dataclass


class HistoryQuery:
    text: str = ""  # part of the filename, the start of the file hash, an ID number, a name or a case label
    date_from: dt.date | None = None  # processed on or after (local dates, inclusive)
    date_to: dt.date | None = None
    document_types: list[str] = field(default_factory=list)
    review_statuses: list[str] = field(default_factory=list)
    operator: str = ""  # who reviewed or corrected it
    invalid: bool | None = None  # True: has an invalid ID; False: none
    case: str = ""  # a case's key (`cases.CaseSummary.key`): only its documents
    page: int = 1
    page_size: int = 50
    order: str = "newest"


@dataclass


class HistoryPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def _ts(d: dt.date, end: bool = False) -> float:
    t = dt.datetime.combine(d, dt.time.max if end else dt.time.min)
    return t.timestamp()


def _where(q: HistoryQuery, db: sqlite_utils.Database) -> tuple[str, list[Any]]:
    """The query's filters as an SQL condition over the documents' columns, and its parameters."""
    where: list[str] = []
    params: list[Any] = []
    if q.date_from:
        where.append("created_at >= ?")
        params.append(_ts(q.date_from))
    if q.date_to:
        where.append("created_at <= ?")
        params.append(_ts(q.date_to, end=True))
    if q.document_types:
        # a bundle (MIXED) matches the types of its pages: read from its (encrypted) result
        bundles = _bundles_with(db, q.document_types)
        where.append(f"(document_type in ({','.join('?' * len(q.document_types))})"
                     f" or file_hash in ({','.join('?' * len(bundles)) or 'null'}))")
        params += list(q.document_types) + bundles
    if q.review_statuses:
        where.append(f"coalesce(review_status, 'pending') in ({','.join('?' * len(q.review_statuses))})")
        params += list(q.review_statuses)
    if q.operator.strip():
        op = q.operator.strip()
        corrected = repository.corrected_by(op, db)
        where.append(f"(reviewed_by = ? or file_hash in ({','.join('?' * len(corrected))}))" if corrected
                     else "reviewed_by = ?")
        params += [op, *corrected]
    if q.case:
        members = cases.with_key(q.case, db)
        where.append(f"file_hash in ({','.join('?' * len(members))})" if members else "0")
        params += members
    if q.invalid is True:
        where.append("n_invalid_ids > 0")
    elif q.invalid is False:
        where.append("coalesce(n_invalid_ids, 0) = 0")
    return " and ".join(where), params


def _bundles_with(db: sqlite_utils.Database, types: list[str]) -> list[str]:
    """File hashes of MIXED documents with a page of one of these types."""
    return [h for h, kinds in repository.bundle_page_types(db).items() if kinds & set(types)]


def search(q: HistoryQuery | None = None, db: sqlite_utils.Database | None = None) -> HistoryPage:
    """One page of documents matching the query, with the total count."""
    q = q or HistoryQuery()
    db = db or connect()
    where, params = _where(q, db)
    size = max(1, min(int(q.page_size), 1000))
    by_name = q.order == "filename"
    order = ORDERS.get(q.order) or ORDERS["newest"]
    text = q.text.strip()
    if not text and not by_name:  # all in SQL: only this page's names are decrypted
        total = repository.count(where, params, db=db)
        pages = max(1, math.ceil(total / size))
        page = min(max(1, int(q.page)), pages)
        return HistoryPage(repository.find(where, params, order=order, limit=size, offset=(page - 1) * size, db=db),
                           total, page, pages)
    # every candidate's name decrypted, then the text filter / name order, then the page
    found = [(r["file_hash"], r["filename"])
             for r in repository.find(where, params, columns=("file_hash", "filename"), order=order, db=db)]
    if text:
        t, prefix = text.casefold(), text.lower()
        holders = id_index.find(db, text)  # an ID number, through its keyed hash
        holders |= id_index.find_name(db, text)  # a name (whole, or words of it), the same way
        holders |= cases.find(text, db)  # a case label
        found = [(h, n) for h, n in found if t in (n or "").casefold() or h.startswith(prefix) or h in holders]
    if by_name:  # like SQL's "order by filename collate nocase, file_hash": no name first
        found.sort(key=lambda hn: (hn[1] is not None, (hn[1] or "").casefold(), hn[0]))
    total = len(found)
    pages = max(1, math.ceil(total / size))
    page = min(max(1, int(q.page)), pages)
    hashes = [h for h, _ in found[(page - 1) * size:page * size]]
    got = {r["file_hash"]: r for r in repository.find(f"file_hash in ({','.join('?' * len(hashes))})", hashes,
                                                      db=db)} if hashes else {}
    return HistoryPage([got[h] for h in hashes if h in got], total, page, pages)


def operators(db: sqlite_utils.Database | None = None) -> list[str]:
    """Everyone who reviewed or corrected a document."""
    db = db or connect()
    names = set(repository.distinct("reviewed_by", db)) | set(repository.correction_operators(db))
    return sorted(n for n in names if n)


def document_types(db: sqlite_utils.Database | None = None) -> list[str]:
    db = db or connect()
    found = set(repository.distinct("document_type", db))
    if "MIXED" in found:  # a bundle's page types can be filtered on too
        found |= {t for kinds in repository.bundle_page_types(db).values() for t in kinds}
    return sorted(found)


def recent_documents(limit: int = 50) -> list[dict[str, Any]]:
    return repository.find(columns=("file_hash", "filename", "document_type", "review_status", "reviewed_by",
                                    "n_ids", "n_invalid_ids", "created_at", "updated_at"),
                           order="updated_at desc", limit=limit, db=connect())


def review_queue() -> list[str]:
    """Undecided documents, those that need a person first (marked needs review, or flagged: an
    invalid ID, low confidence, UNKNOWN type, no ID of the type's kind, a named field missing, unsure
    or implausible; see repository.attention),
    each group oldest first."""
    return repository.review_queue(connect())


def next_document(current: str | None) -> str | None:
    """The document after `current` in the review queue (`review_queue`), or its first."""
    rows = review_queue()
    others = [h for h in rows if h != current]
    if not others:
        return None
    if current in rows:
        after = rows[rows.index(current) + 1:]
        return after[0] if after else others[0]
    return others[0]
