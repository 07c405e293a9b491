"""Every processed document: search, filter and page through the ``documents`` table, and delete a
document with everything kept for it. No ID numbers are read here (only counts and metadata); a
search by ID number goes through the keyed hash index (`id_index`).

File names are stored encrypted (see `documents.SEALED`), so the text search and the order by file
name run here in Python over the decrypted names of the rows the other (SQL) filters keep."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from . import crypto, documents, id_index
from .store import connect

COLUMNS = ("file_hash", "filename", "media_type", "document_type", "pages", "n_ids", "n_invalid_ids",
           "min_confidence", "engine", "created_at", "updated_at", "review_status", "reviewed_by",
           "reviewed_at", "review_reason")
ORDERS = {"newest": "created_at desc", "oldest": "created_at asc", "updated": "updated_at desc",
          "filename": None, "confidence": "min_confidence asc"}  # None: sorted in Python (encrypted column)


@dataclass
class HistoryQuery:
    text: str = ""  # part of the filename, the start of the file hash, or an ID number (keyed hash index)
    date_from: dt.date | None = None  # processed on or after (local dates, inclusive)
    date_to: dt.date | None = None
    document_types: list[str] = field(default_factory=list)
    review_statuses: list[str] = field(default_factory=list)
    operator: str = ""  # who reviewed or corrected it
    invalid: bool | None = None  # True: has an invalid ID; False: none
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
    where: list[str] = []
    params: list[Any] = []
    if q.date_from:
        where.append("created_at >= ?")
        params.append(_ts(q.date_from))
    if q.date_to:
        where.append("created_at <= ?")
        params.append(_ts(q.date_to, end=True))
    if q.document_types:
        where.append(f"document_type in ({','.join('?' * len(q.document_types))})")
        params += list(q.document_types)
    if q.review_statuses:
        where.append(f"coalesce(review_status, 'pending') in ({','.join('?' * len(q.review_statuses))})")
        params += list(q.review_statuses)
    if q.operator.strip():
        op = q.operator.strip()
        if "corrections" in db.table_names():
            where.append("(reviewed_by = ? or file_hash in (select file_hash from corrections where operator = ?))")
            params += [op, op]
        else:
            where.append("reviewed_by = ?")
            params.append(op)
    if q.invalid is True:
        where.append("n_invalid_ids > 0")
    elif q.invalid is False:
        where.append("coalesce(n_invalid_ids, 0) = 0")
    return (" where " + " and ".join(where)) if where else "", params


def search(q: HistoryQuery | None = None, db: sqlite_utils.Database | None = None) -> HistoryPage:
    """One page of documents matching the query, with the total count."""
    q = q or HistoryQuery()
    db = db or connect()
    if "documents" not in db.table_names():
        return HistoryPage([], 0, 1, 1)
    where, params = _where(q, db)
    size = max(1, min(int(q.page_size), 1000))
    by_name = q.order == "filename"
    order = ORDERS.get(q.order) or ORDERS["newest"]
    text = q.text.strip()
    cols = ", ".join(COLUMNS)
    if not text and not by_name:  # all in SQL: only this page's names are decrypted
        total = db.execute(f"select count(*) from documents{where}", params).fetchone()[0]
        pages = max(1, math.ceil(total / size))
        page = min(max(1, int(q.page)), pages)
        sql = f"select {cols} from documents{where} order by {order}, file_hash limit ? offset ?"
        return HistoryPage([documents.plain(r) for r in db.query(sql, [*params, size, (page - 1) * size])],
                           total, page, pages)
    # every candidate's name decrypted, then the text filter / name order, then the page
    found = [(h, crypto.decrypt_maybe(n)) for h, n in db.execute(
        f"select file_hash, filename from documents{where} order by {order}, file_hash", params)]
    if text:
        t, prefix = text.casefold(), text.lower()
        holders = id_index.find(db, text)  # an ID number, through its keyed hash
        found = [(h, n) for h, n in found if t in (n or "").casefold() or h.startswith(prefix) or h in holders]
    if by_name:  # like SQL's "order by filename collate nocase, file_hash": no name first
        found.sort(key=lambda hn: (hn[1] is not None, (hn[1] or "").casefold(), hn[0]))
    total = len(found)
    pages = max(1, math.ceil(total / size))
    page = min(max(1, int(q.page)), pages)
    hashes = [h for h, _ in found[(page - 1) * size:page * size]]
    got = {r["file_hash"]: r for r in db.query(
        f"select {cols} from documents where file_hash in ({','.join('?' * len(hashes))})", hashes)} if hashes else {}
    return HistoryPage([documents.plain(got[h]) for h in hashes if h in got], total, page, pages)


def operators(db: sqlite_utils.Database | None = None) -> list[str]:
    """Everyone who reviewed or corrected a document."""
    db = db or connect()
    names = {r[0] for r in db.execute("select distinct reviewed_by from documents where reviewed_by is not null")}
    if "corrections" in db.table_names():
        names |= {r[0] for r in db.execute("select distinct operator from corrections where operator is not null")}
    return sorted(n for n in names if n)


def document_types(db: sqlite_utils.Database | None = None) -> list[str]:
    db = db or connect()
    return [r[0] for r in db.execute("select distinct document_type from documents where document_type is not null "
                                      "order by 1")]


def delete_document(file_hash: str, operator: str) -> bool:
    """Delete a document with its stored file, cached results, corrections and job results
    (the audit keeps the act, not the data)."""
    from . import records

    return records.erase(file_hash, operator)
