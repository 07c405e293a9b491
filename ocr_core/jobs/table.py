"""`JobStore`: the SQLite table ``ocr_jobs`` (see `schema`): a job's status and its file hash, the
reference to the document record (`record.repository`), which holds the result once. Any backend
may reuse the store."""
from __future__ import annotations

import time
import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .. import crypto
from ..config import Settings, get_settings
from ..record import repository
from ..store import connect
from .model import ACTIVE, PENDING, RETRY, STARTED, STATUSES, SUCCESS, Job

if TYPE_CHECKING:
    import sqlite_utils


_FIELDS = tuple(Job.__dataclass_fields__)


def _row_to_job(row: dict[str, Any], db=None) -> Job:
    row = dict(row)
    row["result"] = repository.load_dict(row["file_hash"], db) if db is not None and row.get("status") == SUCCESS \
        else None  # the record's result: a job row holds none
    row["filename"] = crypto.decrypt_maybe(row.get("filename"))
    row["attempts"] = row.get("attempts") or 0
    return Job(**{k: row.get(k) for k in _FIELDS})


class JobStore:
    """The ``ocr_jobs`` table (this class owns it). A job holds no result (the document record
    does); file names are stored encrypted (`crypto.encrypt_maybe`)."""

    def __init__(self, settings: Settings | None = None, db: sqlite_utils.Database | None = None) -> None:
        self.settings = settings or get_settings()
        self._db = db

    @property
    def db(self):
        return self._db or connect(self.settings.db_path)

    def create(self, filename: str, file_hash: str, *, engine: str | None = None, lang: str | None = None,
               batch_id: str | None = None, job_id: str | None = None, status: str = PENDING) -> Job:
        job = Job(id=job_id or str(uuid.uuid4()), filename=filename, file_hash=file_hash, status=status,
                  result=None, created_at=time.time(), batch_id=batch_id, engine=engine, lang=lang)
        row = asdict(job)
        row["result"] = None
        row["filename"] = crypto.encrypt_maybe(filename)
        self.db["ocr_jobs"].insert(row)
        return job

    def update(self, job_id: str, **fields: Any) -> None:
        unknown = set(fields) - set(_FIELDS) - {"id"}
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        if fields.pop("result", None) is not None:
            raise ValueError("a job keeps no result: keep it in the document record (record.keep)")
        if "filename" in fields:
            fields["filename"] = crypto.encrypt_maybe(fields["filename"])
        if fields.get("error"):  # kept in clear: Aadhaar/VID masked (privacy, the one filter)
            from ..privacy import mask_text

            fields["error"] = mask_text(fields["error"])
        if fields:
            self.db["ocr_jobs"].update(job_id, fields)

    def claim(self, job_id: str, worker: str) -> bool:
        """Atomically move a PENDING/RETRY job (or one STARTED by `worker` itself) to STARTED."""
        cur = self.db.execute(
            "update ocr_jobs set status = ?, started_at = ?, worker = ? where id = ? and "
            "(status in (?, ?) or (status = ? and worker = ?))",
            [STARTED, time.time(), worker, job_id, PENDING, RETRY, STARTED, worker])
        return cur.rowcount == 1

    def get(self, job_id: str) -> Job | None:
        rows = list(self.db.query("select * from ocr_jobs where id = ?", [job_id]))
        return _row_to_job(rows[0], self.db) if rows else None

    def list(self, *, batch_id: str | None = None, status: str | tuple[str, ...] | None = None,
             limit: int = 1000, with_results: bool = True) -> list[Job]:
        where, params = [], []
        if batch_id is not None:
            where.append("batch_id = ?")
            params.append(batch_id)
        if status:
            st = (status,) if isinstance(status, str) else tuple(status)
            where.append(f"status in ({','.join('?' * len(st))})")
            params.extend(st)
        cols = "*" if with_results else ", ".join(f for f in _FIELDS if f != "result") + ", null as result"
        db = self.db if with_results else None
        sql = f"select {cols} from ocr_jobs"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by created_at, rowid limit ?"
        return [_row_to_job(r, db) for r in self.db.query(sql, [*params, int(limit)])]

    def find_by_hash(self, file_hash: str, *, statuses: tuple[str, ...] | None = None,
                     engine: str | None = None, lang: str | None = None) -> Job | None:
        """The newest job for this file (optionally in one of `statuses`, for an engine/lang)."""
        sql, params = "select * from ocr_jobs where file_hash = ?", [file_hash]
        if statuses:
            sql += f" and status in ({','.join('?' * len(statuses))})"
            params.extend(statuses)
        if engine is not None:
            sql += " and engine = ?"
            params.append(engine)
        if lang is not None:
            sql += " and lang = ?"
            params.append(lang)
        rows = list(self.db.query(sql + " order by created_at desc limit 1", params))
        return _row_to_job(rows[0], self.db) if rows else None

    def reusable(self, file_hash: str, *, engine: str, lang: str, batch_id: str | None) -> Job | None:
        """The job a re-submitted file should get back: its job while queued or running, or a
        finished one in the same batch (or outside any batch). None: create a new job."""
        prev = self.find_by_hash(file_hash, statuses=(*ACTIVE, SUCCESS), engine=engine, lang=lang)
        if prev is not None and (prev.status in ACTIVE or batch_id is None or prev.batch_id == batch_id):
            return prev
        return None

    def counts(self, batch_id: str | None = None, *, present_only: bool = False) -> dict[str, int]:
        """Jobs per status (every status, or only those some job has)."""
        sql, params = "select status, count(*) n from ocr_jobs", []
        if batch_id is not None:
            sql, params = sql + " where batch_id = ?", [batch_id]
        out = {} if present_only else {s: 0 for s in STATUSES}
        for r in self.db.query(sql + " group by status", params):
            out[r["status"]] = r["n"]
        return out

    def batches(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest batches: batch_id, n (jobs), started (time of the first job)."""
        return list(self.db.query("select batch_id, count(*) n, min(created_at) started from ocr_jobs where batch_id "
                                  "is not null group by batch_id order by started desc limit ?", [limit]))

    def active_hashes(self) -> set[str]:
        """Files that a PENDING, STARTED or RETRY job still needs."""
        return {r[0] for r in self.db.execute(
            f"select distinct file_hash from ocr_jobs where status in ({','.join('?' * len(ACTIVE))})", ACTIVE)}

    def list_active_for(self, file_hash: str) -> list[str]:
        """The ids of this file's PENDING, STARTED or RETRY jobs."""
        return [r[0] for r in self.db.execute(
            f"select id from ocr_jobs where file_hash = ? and status in ({','.join('?' * len(ACTIVE))})",
            [file_hash, *ACTIVE])]

    def ids_for(self, file_hash: str) -> list[str]:
        """The ids of this file's jobs."""
        return [r[0] for r in self.db.execute("select id from ocr_jobs where file_hash = ?", [file_hash])]

    def delete_for(self, file_hash: str) -> int:
        """Delete this file's job rows (its document is erased); plain statement, stays in the
        caller's transaction."""
        return self.db.conn.execute("delete from ocr_jobs where file_hash = ?", [file_hash]).rowcount

    def purge(self, cutoff: float) -> int:
        """Delete finished jobs completed (or created) before `cutoff`."""
        return self.db.execute(
            f"delete from ocr_jobs where status not in ({','.join('?' * len(ACTIVE))}) "
            "and coalesce(completed_at, created_at) < ?", [*ACTIVE, cutoff]).rowcount
