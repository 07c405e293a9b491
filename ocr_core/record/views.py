"""The reviewed document: the one view every output is built from, and the exports.

OCR result (the document record, `repository`) + the operators' corrections (`view`) + the
review decision (status, reviewer, time) = `Reviewed`, with its IDs and its named fields (each
with its origin: ocr, edited, added). The Review page, the bulk CSV/JSON
(`batch`), History, the REST API (``/documents``) and the CLI (``export``) all read it, so what an
operator corrected and approved is what leaves the desk. Aadhaar and VID stay masked unless
`unmask=True` is asked for (an audited unmask only).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..fields import all_field_keys
from ..idtypes import ID_TYPES, export_value
from ..models import DocumentResult
from ..privacy import MASKED_TYPES, mask_data, mask_id, mask_text
from ..store import connect
from ..timefmt import iso_utc
from . import cases, repository
from .view import View, view


SEP = " | "  # several IDs of one type (or several page types, quality reasons) in one CSV cell
FIELD_COLUMNS = all_field_keys() + ["invalid_fields"]  # one column per field key, then the invalid ones
ROW_COLUMNS = (["file_hash", "filename", "document_type", "review_status", "review_reason", "page_types"]
               + [c for t in ID_TYPES for c in (t, f"{t}_valid")]
               + ["reviewed_by", "reviewed_at", "n_corrections", "pages", "n_ids", "n_invalid_ids", "has_invalid_id",
                  "min_confidence", "quality_ok", "quality_reasons", "attention"]
               + FIELD_COLUMNS + ["case", "case_mismatch"])  # the case label, its mismatches in words (`cases`)
ID_COLUMNS = ["file_hash", "filename", "document_type", "review_status", "key", "id_type", "value", "valid",
              "reason", "origin", "page", "page_type", "confidence", "repaired"]


@dataclass


class ReviewedID:
    key: str
    type: str
    value: str  # full, normalised; `to_dict` masks it where required
    valid: bool
    reason: str | None
    origin: str  # ocr | edited | added | region
    page: int
    box: list[list[float]] | None
    confidence: float | None  # None: typed by an operator
    repaired: bool = False  # an OCR confusion was repaired

    @property
    def shown(self) -> str:
        return mask_id(self.type, self.value) if self.type in MASKED_TYPES else self.value

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        return {"key": self.key, "type": self.type, "value": self.value if unmask else self.shown,
                "valid": self.valid, "reason": self.reason, "origin": self.origin, "page": self.page,
                "box": self.box, "confidence": None if self.confidence is None else round(self.confidence, 4)}


@dataclass


class ReviewedField:
    key: str
    value: str  # normalised; `to_dict` masks any Aadhaar-shaped number (no field should hold one)
    valid: bool
    reason: str | None
    source: str  # ocr | text_layer | mrz | qr | operator
    origin: str  # ocr | edited | added
    page: int
    box: list[list[float]] | None
    confidence: float | None  # None: typed by an operator

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        return {"value": self.value if unmask else mask_text(self.value), "valid": self.valid, "reason": self.reason,
                "source": self.source, "origin": self.origin, "page": self.page, "box": self.box,
                "confidence": None if self.confidence is None else round(self.confidence, 4)}


@dataclass


class Reviewed:
    file_hash: str
    filename: str
    document_type: str
    review_status: str
    reviewed_by: str | None
    reviewed_at: float | None
    review_reason: str | None
    n_corrections: int
    version: int
    created_at: float | None
    updated_at: float | None
    media_type: str
    pages: int
    min_confidence: float | None
    attention: list[str]
    ids: list[ReviewedID]
    result: DocumentResult = field(repr=False)  # the corrected result (full values)
    fields: dict[str, ReviewedField] = field(default_factory=dict)  # by key, corrections applied

    @property
    def valid_ids(self) -> list[ReviewedID]:
        return [i for i in self.ids if i.valid]

    @property
    def invalid_ids(self) -> list[ReviewedID]:
        return [i for i in self.ids if not i.valid]

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        """The REST API's document (``GET /documents/{file_hash}``)."""
        return {"file_hash": self.file_hash, "filename": self.filename, "document_type": self.document_type,
                "media_type": self.media_type, "pages": self.pages, "review_status": self.review_status,
                "reviewed_by": self.reviewed_by, "reviewed_at": iso_utc(self.reviewed_at),
                "review_reason": self.review_reason, "n_corrections": self.n_corrections,
                "version": self.version, "created_at": iso_utc(self.created_at), "attention": self.attention,
                "ids": [i.to_dict(unmask) for i in self.ids],
                "fields": {k: f.to_dict(unmask) for k, f in self.fields.items()}}

    def export(self) -> dict[str, Any]:
        """The full reviewed result (pages, lines, text) as JSON, masked, with the review."""
        d = self.result.to_dict()  # masked
        d["ids"] = [i.to_dict() for i in self.ids]
        d["fields"] = {k: f.to_dict() for k, f in self.fields.items()}
        d["document_ids"] = self.result.document_ids()
        d.update({"review_status": self.review_status, "reviewed_by": self.reviewed_by,
                  "reviewed_at": iso_utc(self.reviewed_at), "n_corrections": self.n_corrections})
        d["review"] = {"status": self.review_status, "reviewed_by": self.reviewed_by,
                       "reviewed_at": iso_utc(self.reviewed_at), "reason": self.review_reason,
                       "corrections": self.n_corrections, "version": self.version}  # a decision is of this version
        d["case"] = cases.summary(self.file_hash, self.result)  # label, other documents, mismatches (or None)
        return d

    def row(self) -> dict[str, Any]:
        """One row per document: the bulk export's columns (`ROW_COLUMNS`), values masked: its type
        (and each page's: a bundle is MIXED), the quality gate's verdict, for each ID type the values
        found with their valid flags in the same order (`SEP`-separated), and the named fields."""
        res = self.result
        r: dict[str, Any] = {
            "file_hash": self.file_hash, "filename": self.filename, "document_type": self.document_type,
            "review_status": self.review_status, "review_reason": self.review_reason or "",
            "page_types": SEP.join(res.page_types),
            "reviewed_by": self.reviewed_by or "",
            "reviewed_at": iso_utc(self.reviewed_at) or "", "n_corrections": self.n_corrections, "pages": self.pages,
            "n_ids": len(self.valid_ids), "n_invalid_ids": len(self.invalid_ids),
            "has_invalid_id": bool(self.invalid_ids),
            "min_confidence": round(self.min_confidence, 4) if self.min_confidence is not None else None,
            "quality_ok": res.quality.get("ok", True), "quality_reasons": SEP.join(res.quality.get("reasons", [])),
            "attention": ",".join(self.attention)}
        fields = {k: f.to_dict() for k, f in self.fields.items()}  # masked like the rest
        for k in FIELD_COLUMNS[:-1]:
            r[k] = fields[k]["value"] if k in fields else ""
        r["invalid_fields"] = SEP.join(k for k, f in fields.items() if not f["valid"])
        for t in ID_TYPES:
            vals: list[str] = []
            flags: list[str] = []
            for i in self.ids:
                if i.type != t:
                    continue
                v = export_value(t, i.shown)
                if v in vals:
                    k = vals.index(v)
                    flags[k] = "true" if i.valid or flags[k] == "true" else "false"
                    continue
                vals.append(v)
                flags.append("true" if i.valid else "false")
            r[t], r[f"{t}_valid"] = SEP.join(vals), SEP.join(flags)
        r.update(cases.columns(self.file_hash, self.result))  # case, case_mismatch
        return mask_data(r)  # file name, case label, fields: the one filter (the desk's tables show rows)

    def id_rows(self) -> list[dict[str, Any]]:
        base = {"file_hash": self.file_hash, "filename": self.filename, "document_type": self.document_type,
                "review_status": self.review_status}
        page_type = {p.number: p.document_type for p in self.result.pages}
        return [mask_data({**base, "key": i.key, "id_type": i.type, "value": export_value(i.type, i.shown),
                           "valid": i.valid, "reason": i.reason or "", "origin": i.origin, "page": i.page,
                           "page_type": page_type.get(i.page, ""),
                           "confidence": "" if i.confidence is None else round(i.confidence, 4),
                           "repaired": i.repaired})
                for i in self.ids]


def from_view(v: View) -> Reviewed:
    row, res = v.row, v.result
    ids = [ReviewedID(key=k, type=d.type, value=d.value, valid=d.valid, reason=d.reason, origin=o, page=d.page,
                      box=d.box, confidence=d.confidence, repaired=d.repaired)
           for k, d, o in zip(v.keys, res.ids, v.origins)]
    fields = {k: ReviewedField(key=k, value=f.value or "", valid=f.valid, reason=f.reason, source=f.source,
                               origin=v.field_origins.get(k, "ocr"), page=f.page, box=f.box,
                               confidence=None if f.confidence is None else float(f.confidence))
              for k, f in res.fields.items()}
    return Reviewed(file_hash=res.file_hash, filename=row.get("filename") or res.filename,
                    document_type=res.document_type, review_status=row.get("review_status") or "pending",
                    reviewed_by=row.get("reviewed_by"), reviewed_at=row.get("reviewed_at"),
                    review_reason=row.get("review_reason"), n_corrections=v.n_corrections, version=v.version,
                    created_at=row.get("created_at"), updated_at=row.get("updated_at"), media_type=res.media_type,
                    pages=len(res.pages), min_confidence=res.min_confidence,
                    attention=repository.attention(res.document_type, res.ids, res.fields, res.quality), ids=ids, result=res,
                    fields=fields)


def get(file_hash: str) -> Reviewed | None:
    """The reviewed document, or None when it is unknown or deleted."""
    v = view(file_hash)
    return from_view(v) if v is not None else None


@dataclass


class Listing:
    documents: list[Reviewed]
    total: int
    page: int
    pages: int


def listing(*, status: str | None = None, document_type: str | None = None, since: float | None = None,
            page: int = 1, page_size: int = 50) -> Listing:
    """Reviewed documents, oldest first, filtered by review status, type and processing time."""
    if status and status not in repository.REVIEW_STATUSES:
        raise ValueError(f"unknown review status {status!r} (one of {', '.join(repository.REVIEW_STATUSES)})")
    where, args = [], []
    if status:
        where.append("coalesce(review_status, 'pending') = ?")
        args.append(status)
    if document_type:
        where.append("document_type = ?")
        args.append(document_type.upper())
    if since:
        where.append("created_at >= ?")
        args.append(since)
    sql = " and ".join(where)
    db = connect()
    total = repository.count(sql, args, db=db)
    size = max(1, min(int(page_size), 1000))
    pages = max(1, math.ceil(total / size))
    page = min(max(1, int(page)), pages)
    hashes = [r["file_hash"] for r in repository.find(sql, args, columns=("file_hash",), order="created_at",
                                                       limit=size, offset=(page - 1) * size, db=db)]
    docs = [d for d in (get(h) for h in hashes) if d is not None]
    return Listing(docs, total, page, pages)


def all_documents(**filters: Any) -> list[Reviewed]:
    """Every document matching the filters (`listing`'s), page after page."""
    out: list[Reviewed] = []
    page = 1
    while True:
        got = listing(**filters, page=page, page_size=500)
        out += got.documents
        if page >= got.pages:
            return out
        page += 1


def field_values(file_hashes: Iterable[str], keys: Iterable[str] = ("name", "dob")) -> dict[str, dict[str, str]]:
    """Each document's reviewed value (corrections applied, masked) of these fields, "" where it
    has none: History's columns."""
    keys = list(keys)
    out: dict[str, dict[str, str]] = {}
    for h in file_hashes:
        rv = get(h)
        got = {k: f.to_dict()["value"] for k, f in rv.fields.items()} if rv else {}
        out[h] = {k: got.get(k, "") for k in keys}
    return out


def to_csv(rows: Iterable[dict[str, Any]], columns: Iterable[str] = ROW_COLUMNS) -> bytes:
    cols = list(columns)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:  # every cell through the one masking filter (file names, case labels, fields, errors)
        w.writerow(mask_data({k: "" if r.get(k) is None else r.get(k) for k in cols}))
    return buf.getvalue().encode("utf-8")


def parse_since(text: str | None) -> float | None:
    """An ISO date (``2026-12-01``) or date and time; without a zone, UTC. ValueError if unreadable."""
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"since: {text!r} is not an ISO date or time (e.g. 2026-12-01)") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.timestamp()


def answer(result: DocumentResult) -> dict[str, Any]:
    """What an OCR call answers for a kept document: the reviewed result (corrections and decision
    included, masked), with this call's timing and cache flag."""
    rv = get(result.file_hash)
    if rv is None:
        return result.to_dict()
    d = rv.export()
    d.update(filename=result.filename, cached=result.cached, execution_time=round(result.execution_time, 4))
    return d


# ---------------------------------------------------------------- one document's exports (masked)


def export_dict(file_hash: str) -> dict[str, Any]:
    rv = get(file_hash)
    if rv is None:
        raise LookupError("no such document")
    return rv.export()


def export_json(file_hash: str) -> str:
    return json.dumps(export_dict(file_hash), ensure_ascii=False, indent=2)


def export_csv(file_hash: str) -> str:
    """One row per ID of the reviewed document (the bulk page's per-ID columns)."""
    rv = get(file_hash)
    if rv is None:
        raise LookupError("no such document")
    return to_csv(rv.id_rows(), ID_COLUMNS).decode("utf-8")
