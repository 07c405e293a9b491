"""The record's tables: ``documents`` (one row per file hash holding its OCR result once,
encrypted, its review status and the reviewed ID counts) and ``corrections`` (every change an
operator made, before/after encrypted). The OCR's original result is never overwritten by
corrections (`record.view` replays them); job rows (`jobs`) refer to the record by file hash, and
the result cache (`store`) keeps only an index entry for a result the record holds.

This module owns both tables (see `schema`): everyone else calls the functions here. Every
function takes the connection explicitly (``db``): this module imports no connection factory, so
`store` and `schema` can read the record through it without an import ring.

`attention` lists why a document needs a person (the review queue, `record.history.next_document`;
AUTO_APPROVE passes it by): ``invalid_id``, ``low_confidence``, ``unknown_type``, ``no_id`` (no valid ID of the
type's kind), a capture fault with what to do ("blurred: ask for a new photo; hold the camera still"),
and for the named fields a sentence each (`field_attention`: an expected field
missing, unsure or implausible)."""
from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import sqlite_utils

from .. import crypto, doctypes, files, id_index
from ..config import Settings, get_settings
from ..models import DocumentResult


REVIEW_STATUSES = ("pending", "approved", "rejected", "needs_review", "recapture_requested")
KIND_IDS = doctypes.KIND_IDS  # per document type, the ID types that make it (the registries')
SEALED = ("filename", "review_reason")  # personal data in clear columns: stored encrypted (crypto)


def plain(row: dict[str, Any]) -> dict[str, Any]:
    """A ``documents`` row as callers see it: the sealed columns decrypted (plain legacy values
    pass as they are)."""
    row = dict(row)
    for col in SEALED:
        if col in row:
            row[col] = crypto.decrypt_maybe(row[col])
    return row


def field_attention(document_type: str, fields: dict) -> list[str]:
    """Why the document's named fields need a person, in words: an expected field missing ("no name
    found on the PAN card"), one read unsure ("name unsure: read with confidence 0.52 ...") or one
    that fails its checks ("date of birth implausible: birth date in the future"). A field an
    operator typed is taken as it is. A bundle (MIXED): its fields' flags (each key's kind the
    first type with it gives), no expected field (its pages' types differ)."""
    spec = doctypes.get(document_type)
    if spec is None and document_type != doctypes.MIXED:
        return []
    out = [f"no {doctypes.field_label(k).lower()} found on the {spec.label}" for k in spec.expected
           if not (fields.get(k) is not None and fields[k].value)] if spec is not None else []
    for k, f in fields.items():
        kind = spec.kind(k) if spec is not None else doctypes.KINDS.get(k, "text")
        if f.valid or f.confidence is None or not f.value or kind == "relation":
            continue  # a relation the card leaves open ("S/D/W of") is what it prints
        why = (f.reason or "failed its checks").replace(",", ";")  # the flags are stored comma-separated
        out.append(f"{doctypes.field_label(k).lower()} {'unsure' if why.startswith('unsure') else 'implausible'}"
                   f" ({why.removeprefix('unsure: ')})")
    return out


def attention(document_type: str, ids: list, fields: dict | None = None,
              quality: dict | None = None) -> list[str]:
    """Why this (reviewed) document needs a person; empty when nothing stands out. The ID flags are
    codes; with `fields`, the named fields' are sentences (`field_attention`); with the document's
    `quality`, a capture fault (blurred, glare, text too small) is a sentence that says to ask for a
    new photo (`quality.advice`)."""
    from ..quality import advice, capture_reasons

    floor = get_settings().auto_approve_min_confidence
    out = []
    if any(not i.valid for i in ids):
        out.append("invalid_id")
    if any(i.confidence is not None and i.confidence < floor for i in ids):
        out.append("low_confidence")
    if document_type == "UNKNOWN":
        out.append("unknown_type")
    kinds = KIND_IDS.get(document_type)
    if kinds and not any(i.valid and i.type in kinds for i in ids):
        out.append("no_id")
    out += [advice(r, ";") for r in capture_reasons(quality)]
    return out + (field_attention(document_type, fields) if fields is not None else [])


def save(result: DocumentResult, data: bytes | None = None, *, db: sqlite_utils.Database,
         settings: Settings | None = None) -> None:
    """Keep a scanned document (and its file, when given, in the files folder of `settings`) for
    review and history. The first name a document was kept under stays its name: the same bytes
    uploaded again under another name (e.g. inside a ZIP, "bundle.zip/front.png") do not rename it;
    that upload is in the scan log under its own name (`store.record_scan`)."""
    old = db.execute("select filename from documents where file_hash = ?", [result.file_hash]).fetchone()
    first = crypto.decrypt_maybe(old[0]) if old else None
    if first and first != result.filename:
        result = dataclasses.replace(result, filename=first)
    if data is not None:
        files.put(result.file_hash, data, settings)
    now = time.time()
    row = {"file_hash": result.file_hash, "filename": crypto.encrypt_maybe(result.filename), "media_type": result.media_type,
           "document_type": result.document_type, "pages": len(result.pages),
           "n_ids": sum(i.valid for i in result.ids), "n_invalid_ids": sum(not i.valid for i in result.ids),
           "min_confidence": result.min_confidence, "engine": result.engine,
           "result": crypto.seal(result.to_dict(unmask=True)),
           "updated_at": now}
    first = {**row, "created_at": now, "review_status": "pending"}
    cols = list(first)
    # one statement: two processes keeping the same document at once both succeed (the later wins)
    db.conn.execute(f"insert into documents ({', '.join(cols)}) values ({', '.join('?' * len(cols))}) "
                    f"on conflict(file_hash) do update set {', '.join(f'{c} = excluded.{c}' for c in row if c != 'filename')}",
                    [first[c] for c in cols])


def load_dict(file_hash: str, db: sqlite_utils.Database) -> dict[str, Any] | None:
    """The record's OCR result as stored (unmasked dict), or None."""
    row = db.execute("select result from documents where file_hash = ?", [file_hash]).fetchone()
    return crypto.unseal(row[0]) if row and row[0] else None


def load(file_hash: str, db: sqlite_utils.Database) -> DocumentResult | None:
    d = load_dict(file_hash, db)
    return DocumentResult.from_dict(d) if d is not None else None


def bundle_page_types(db: sqlite_utils.Database) -> dict[str, set[str]]:
    """The page types of each MIXED document (a bundle), read from its encrypted result."""
    out: dict[str, set[str]] = {}
    for h, blob in db.execute("select file_hash, result from documents where document_type = 'MIXED'"):
        try:
            pages = crypto.unseal(blob).get("pages", [])
        except Exception:  # noqa: BLE001 - an unreadable result matches no page type
            continue
        out[h] = {p.get("document_type") for p in pages} - {None, "UNKNOWN"}
    return out


def get_row(file_hash: str, db: sqlite_utils.Database) -> dict[str, Any] | None:
    rows = list(db.query("select * from documents where file_hash = ?", [file_hash]))
    if not rows:
        return None
    row = plain(rows[0])
    row.pop("result", None)
    return row


def set_review(file_hash: str, status: str, operator: str, reason: str | None,
               db: sqlite_utils.Database) -> None:
    """Write a review decision (the reason is stored encrypted). A plain statement: it stays inside
    the caller's transaction (`record.decisions.set_status` decides on the version it read in the same one)."""
    db.conn.execute("update documents set review_status = ?, reviewed_by = ?, reviewed_at = ?, review_reason = ? "
                    "where file_hash = ?", [status, operator, time.time(), crypto.encrypt_maybe(reason or None),
                                            file_hash])


def set_id_counts(file_hash: str, ids: list, db: sqlite_utils.Database,
                  fields: dict | None = None, quality: dict | None = None,
                  document_type: str | None = None) -> None:
    """Store what the reviewed IDs and fields (corrections applied) say: the IDs' counts, the
    attention flags, the keyed hash index and (`document_type`, given) the type re-derived from
    them, so history, the queue and metrics see the document as corrected. Plain statements: they
    stay inside the caller's transaction."""
    row = db.conn.execute("select document_type from documents where file_hash = ?", [file_hash]).fetchone()
    doc_type = document_type or (row[0] if row else "UNKNOWN")
    flags = ",".join(attention(doc_type, ids, fields, quality))
    db.conn.execute("update documents set n_ids = ?, n_invalid_ids = ?, attention = ?, document_type = ?, "
                    "updated_at = ? where file_hash = ?",
                    [sum(1 for i in ids if i.valid), sum(1 for i in ids if not i.valid), flags, doc_type,
                     time.time(), file_hash])
    id_index.rebuild(db, file_hash, ids)


# ---------------------------------------------------------------- queries for history, metrics, retention
COLUMNS = ("file_hash", "filename", "media_type", "document_type", "pages", "n_ids", "n_invalid_ids",
           "min_confidence", "engine", "created_at", "updated_at", "review_status", "reviewed_by",
           "reviewed_at", "review_reason", "attention")  # everything but the (encrypted) result
_COUNTABLE = {"document_type": "UNKNOWN", "review_status": "pending"}  # column: what NULL counts as


def exists(file_hash: str, db: sqlite_utils.Database) -> bool:
    return db.execute("select 1 from documents where file_hash = ?", [file_hash]).fetchone() is not None


def find(where: str = "", params: list[Any] | tuple = (), *, columns: tuple[str, ...] = COLUMNS,
         order: str = "created_at desc", limit: int | None = None, offset: int = 0,
         db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Rows (sealed columns decrypted) matching `where` (an SQL condition over the columns, with
    `params`), in `order`, ties by file hash."""
    bad = set(columns) - set(COLUMNS)
    if bad:
        raise ValueError(f"unknown documents columns: {sorted(bad)}")
    sql = f"select {', '.join(columns)} from documents{' where ' + where if where else ''} order by {order}, file_hash"
    args = list(params)
    if limit is not None:
        sql += " limit ? offset ?"
        args += [int(limit), int(offset)]
    return [plain(r) for r in db.query(sql, args)]


def count(where: str = "", params: list[Any] | tuple = (), *, db: sqlite_utils.Database) -> int:
    return db.execute(f"select count(*) from documents{' where ' + where if where else ''}", list(params)).fetchone()[0]


def distinct(column: str, db: sqlite_utils.Database) -> list[Any]:
    """The distinct non-null values of a clear column, sorted."""
    if column not in COLUMNS or column in SEALED:
        raise ValueError(f"not a clear documents column: {column!r}")
    return [r[0] for r in db.execute(f"select distinct {column} from documents where {column} is not null order by 1")]


def count_by(column: str, db: sqlite_utils.Database) -> dict[str, int]:
    """Documents per document_type or review_status, most first."""
    if column not in _COUNTABLE:
        raise ValueError(f"cannot count documents by {column!r}")
    return {r["k"]: r["n"] for r in db.query(
        f"select coalesce({column}, ?) k, count(*) n from documents group by k order by n desc", [_COUNTABLE[column]])}


def mean_time_to_review(db: sqlite_utils.Database) -> float | None:
    """Mean seconds from a document's first processing to its review decision."""
    v = db.execute("select avg(reviewed_at - created_at) from documents where reviewed_at is not null "
                   "and review_status in ('approved', 'rejected')").fetchone()[0]
    return float(v) if v is not None else None


def hashes(db: sqlite_utils.Database) -> set[str]:
    return {r[0] for r in db.execute("select file_hash from documents")}


def inactive_since(cutoff: float, db: sqlite_utils.Database) -> list[str]:
    """Documents whose last activity (scan, re-upload, review) is older than `cutoff`."""
    return [r[0] for r in db.execute(
        "select file_hash from documents where max(coalesce(created_at, 0), coalesce(updated_at, 0), "
        "coalesce(reviewed_at, 0)) < ?", [cutoff])]


def review_queue(db: sqlite_utils.Database) -> list[str]:
    """Undecided documents (pending, needs review, or waiting for a new photo), those that need a
    person first (marked needs review, or with `attention` flags; rows from before the flags: an
    invalid ID or UNKNOWN type), then the rest, then those with a recapture requested (waiting for
    the customer, not for a reviewer), each group oldest first."""
    return [r[0] for r in db.execute(
        "select file_hash from documents where review_status in ('pending', 'needs_review', 'recapture_requested') "
        "order by review_status = 'recapture_requested', "
        "(review_status = 'needs_review' or coalesce(attention, case when n_invalid_ids > 0 or "
        "document_type = 'UNKNOWN' then 'legacy' else '' end) != '') desc, created_at, file_hash")]


def delete_row(file_hash: str, db: sqlite_utils.Database) -> int:
    """Only the row (`record.erase` deletes every copy of a document)."""
    return db.conn.execute("delete from documents where file_hash = ?", [file_hash]).rowcount


# ---------------------------------------------------------------- corrections


def insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    """A plain INSERT: unlike sqlite_utils' insert it does not commit, so it stays inside the
    caller's transaction (`auditlog.atomic`)."""
    cols = list(row)
    cur = db.conn.execute(f"insert into [{table}] ({', '.join(f'[{c}]' for c in cols)}) "
                          f"values ({', '.join('?' * len(cols))})", [row[c] for c in cols])
    return int(cur.lastrowid)


def add_correction(db: sqlite_utils.Database, file_hash: str, field: str, id_type: str | None, before: str,
                   after: str, operator: str, reason: str, meta: dict[str, Any] | None) -> int:
    """One correction row (values and reason encrypted); its id."""
    return insert(db, "corrections", {
        "file_hash": file_hash, "field": field, "id_type": id_type,
        "before": crypto.encrypt_text(before) if before else "", "after": crypto.encrypt_text(after) if after else "",
        "operator": operator, "reason": crypto.encrypt_text(reason) if reason else "", "time": time.time(),
        "meta": json.dumps(meta or {})})


def corrections(file_hash: str, db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """This document's corrections in order, before/after decrypted (internal use)."""
    rows = list(db.query("select * from corrections where file_hash = ? order by id", [file_hash]))
    for r in rows:
        r["before"] = crypto.decrypt_text(r["before"]) if r["before"] else ""
        r["after"] = crypto.decrypt_text(r["after"]) if r["after"] else ""
        r["meta"] = json.loads(r["meta"] or "{}")
        r["reason"] = crypto.decrypt_maybe(r["reason"])
    return rows


def corrections_by(file_hash: str, name: str, db: sqlite_utils.Database) -> int:
    """How many corrections `name` made to this document (the maker in maker-checker)."""
    return db.execute("select count(*) from corrections where file_hash = ? and operator = ?",
                      [file_hash, name]).fetchone()[0]


def corrected_by(operator: str, db: sqlite_utils.Database) -> list[str]:
    """The documents (file hashes) this operator corrected."""
    return [r[0] for r in db.execute("select distinct file_hash from corrections where operator = ?", [operator])]


def correction_operators(db: sqlite_utils.Database) -> list[str]:
    """Everyone who corrected a document."""
    return [r[0] for r in db.execute("select distinct operator from corrections where operator is not null")]


_KIND = ("case when field like 'field:%' then 'field ' else 'ID ' end || case when before = '' then 'added' "
         "when after = '' then 'removed' else 'edited' end")  # "ID edited", "field added", ...: no internal keys


def correction_counts(by: str = "field", *, db: sqlite_utils.Database) -> dict[str, int]:
    """Corrections counted per field, kind of change ("ID edited", "field added", ...), id_type
    (a named field's correction counts under ``field:<key>``) or operator, most first."""
    if by not in ("field", "kind", "id_type", "operator"):
        raise ValueError(f"cannot count corrections by {by!r}")
    col = {"kind": _KIND, "id_type": "case when field like 'field:%' then field else id_type end"}.get(by, by)
    return {r["k"]: r["n"] for r in db.query(
        f"select coalesce({col}, '?') k, count(*) n from corrections group by k order by n desc")}


def delete_corrections(file_hash: str, db: sqlite_utils.Database) -> int:
    return db.conn.execute("delete from corrections where file_hash = ?", [file_hash]).rowcount


def purge_corrections(cutoff: float, keep: set[str], db: sqlite_utils.Database) -> int:
    """Delete corrections older than `cutoff` of documents not in `keep` (deleted elsewhere)."""
    stale = [r[0] for r in db.execute("select distinct file_hash from corrections where time < ?", [cutoff])
             if r[0] not in keep]
    return sum(db.execute("delete from corrections where time < ? and file_hash = ?", [cutoff, h]).rowcount
               for h in stale)
