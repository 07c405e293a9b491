"""Many documents at once, through the job layer: submit uploads (ZIPs expanded safely), and turn
jobs into exports. Every export is the reviewed document (`record.views`: corrections and decision
included) and masked (Aadhaar/VID as XXXX XXXX 1234).

- `submit_uploads`: what the bulk page and the CLI call to queue files and archives.
- `document_rows` / `id_rows` / `to_csv` / `to_json`: one row per document, one per ID, JSON.
- `run_batch`: ``python -m ocr_core batch FILES_OR_DIRS... --out results.csv [--json results.jsonl]``.
"""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

from . import archive
from .config import Settings, get_settings
from .errors import InputError
from .jobs import ACTIVE, FAILURE, SUCCESS, Job, JobBackend, JobStore, get_backend
from .loader import EXTENSIONS
from .logs import log
from .privacy import mask_data
from .record import cases
from .record import views
from .store import connect
from .timefmt import id_stamp_utc, iso_utc

SUFFIXES = tuple(f".{e}" for e in (*EXTENSIONS, *archive.EXTENSIONS))  # what a folder walk picks up
SEP = views.SEP
JOB_COLUMNS = ["status", "error", "cached", "seconds", "attempts", "job_id", "created_at", "completed_at"]
DOC_COLUMNS = list(views.ROW_COLUMNS) + JOB_COLUMNS  # the reviewed document's (IDs, fields), then the job's
ID_COLUMNS = views.ID_COLUMNS
REFUSED = "REFUSED"  # an upload refused before OCR (bad file, bad archive)


def new_batch_id() -> str:
    return f"{id_stamp_utc()}-{uuid.uuid4().hex[:6]}"


# ---------------------------------------------------------------- submitting
def submit_uploads(backend: JobBackend, uploads: Iterable[tuple[str, bytes]], *, batch_id: str,
                   engine: str | None = None, lang: str | None = None,
                   settings: Settings | None = None, case: str | None = None) -> tuple[list[Job], list[dict[str, str]]]:
    """Queue every file (a ZIP's members one by one). Returns the jobs, in order, and the uploads
    refused before OCR as {"filename", "error", "code"}; one bad upload never stops the others.
    `case`: every document is labelled with this case (`cases`; ValueError for a bad label)."""
    case = cases.clean(case)
    jobs: list[Job] = []
    errors: list[dict[str, str]] = []
    for name, data in uploads:
        try:
            items = archive.extract_zip(data, archive_name=name, settings=settings) \
                if archive.is_zip(data, name) else [(name, data)]
        except InputError as e:
            errors.append({"filename": name, "error": str(e), "code": e.code})
            continue
        for member, content in items:
            label = f"{name}/{member}" if len(items) > 1 or member != name else member
            try:
                jobs.append(backend.submit(content, label, engine=engine, lang=lang, batch_id=batch_id))
                if case:
                    cases.assign(jobs[-1].file_hash, case, db=connect((settings or get_settings()).db_path))
            except InputError as e:
                errors.append({"filename": label, "error": str(e), "code": e.code})
    log.info("batch submitted", extra={"event": "batch_submit", "batch_id": batch_id, "jobs": len(jobs),
                                       "refused": len(errors)})
    return jobs, errors


def progress(jobs: list[Job], started: float | None = None, now: float | None = None,
             refused: int = 0) -> dict[str, Any]:
    """done/total, failed, and the time left estimated from the rate so far: the one count the bulk
    page's bar, its text and its table agree on. `refused`: uploads (or ZIP members) refused before
    OCR, rows of the table too: each is done and failed."""
    total = len(jobs) + refused
    done = sum(j.done for j in jobs) + refused
    failed = sum(j.status == FAILURE for j in jobs) + refused
    now = now or time.time()
    started = started or min((j.created_at for j in jobs), default=now)
    elapsed = max(0.0, now - started)
    left = None
    ocr_done, ocr_total = done - refused, total - refused  # the rate is the OCR's (a refusal is instant)
    if 0 < ocr_done < ocr_total:
        left = elapsed / ocr_done * (ocr_total - ocr_done)
    elif done == total:
        left = 0.0
    return {"total": total, "done": done, "failed": failed, "succeeded": done - failed,
            "active": sum(j.status in ACTIVE for j in jobs), "elapsed": elapsed, "seconds_left": left,
            "fraction": done / total if total else 1.0}


def recent_batches(limit: int = 20, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The latest batches: batch_id, n (jobs), started (time of the first job)."""
    return JobStore(settings or get_settings()).batches(limit)


# ---------------------------------------------------------------- exports
def document_row(job: Job, filename: str | None = None) -> dict[str, Any]:
    """One document: the job's status and, once done, the reviewed document's columns
    (`views.Reviewed.row`: review status, corrected IDs masked where required)."""
    rv = views.get(job.file_hash) if job.status == SUCCESS else None
    row: dict[str, Any] = rv.row() if rv else {"file_hash": job.file_hash}
    row.update({
        "filename": filename or job.filename, "status": job.status,
        "error": job.error if job.error and job.status != SUCCESS else "",
        "cached": (job.document().cached if job.result else None) if rv else None,
        "seconds": round(job.seconds, 3) if job.seconds else None, "attempts": job.attempts, "job_id": job.id,
        "created_at": iso_utc(job.created_at) or "", "completed_at": iso_utc(job.completed_at) or ""})
    return mask_data(row)  # the bulk page's table shows it; the CSV masks again (idempotent)


def refused_row(r: dict[str, str]) -> dict[str, Any]:
    """An upload refused before OCR, as a row of its own (in the table and the CSV)."""
    return mask_data({"filename": r["filename"], "status": REFUSED, "error": r.get("error") or ""})


def id_rows(job: Job, filename: str | None = None) -> list[dict[str, Any]]:
    rv = views.get(job.file_hash) if job.status == SUCCESS else None
    if rv is None:
        return []
    return [{**r, "filename": filename or job.filename} for r in rv.id_rows()]


def document_rows(jobs: Iterable[Job]) -> list[dict[str, Any]]:
    return [document_row(j) for j in jobs]


def all_id_rows(jobs: Iterable[Job]) -> list[dict[str, Any]]:
    return [r for j in jobs for r in id_rows(j)]


def doc_columns() -> list[str]:
    """The reviewed document's columns (review status, the ID columns with their valid flags, one
    column per field key and `invalid_fields`), then the job's."""
    return list(DOC_COLUMNS)


def to_csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    return views.to_csv(rows, columns)  # every cell masked there (`privacy.mask_data`)


def job_json(job: Job) -> dict[str, Any]:
    """The job; once done, its result is the reviewed document (masked)."""
    d = job.to_dict()  # masked result
    d.pop("lang", None)
    rv = views.get(job.file_hash) if job.status == SUCCESS else None
    if rv is not None:
        d["result"] = {**rv.export(), "filename": job.filename}
        d.update(review_status=rv.review_status, reviewed_by=rv.reviewed_by, reviewed_at=iso_utc(rv.reviewed_at),
                 n_corrections=rv.n_corrections)
    return mask_data(d)  # file name, error, case: the one filter


def to_json(jobs: Iterable[Job]) -> bytes:
    return json.dumps([job_json(j) for j in jobs], ensure_ascii=False, indent=1).encode("utf-8")


def to_jsonl(jobs: Iterable[Job]) -> str:
    return "".join(json.dumps(job_json(j), ensure_ascii=False) + "\n" for j in jobs)


# ---------------------------------------------------------------- command line
def collect(paths: Iterable[str | Path]) -> tuple[list[Path], list[dict[str, str]]]:
    """Files named, and the supported files under the folders named (sorted); missing paths are
    reported, not fatal."""
    found: list[Path] = []
    missing: list[dict[str, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                            and not f.name.startswith("."))
        elif p.is_file():
            found.append(p)
        else:
            missing.append({"filename": str(p), "error": "no such file or folder", "code": "not_found"})
    return found, missing


def run_batch(paths: Iterable[str | Path], out: str | Path, json_out: str | Path | None = None, *,
              engine: str | None = None, lang: str | None = None, show_progress: bool = True,
              timeout: float = 24 * 3600, settings: Settings | None = None,
              backend: JobBackend | None = None, case: str | None = None) -> dict[str, int]:
    """Scan every file through the job layer; write the CSV (and JSON lines). Returns counts."""
    from tqdm import tqdm

    settings = settings or get_settings()
    backend = backend or get_backend(settings)
    files, refused = collect(paths)
    batch_id = new_batch_id()
    pairs: list[tuple[str, Job]] = []
    for f in files:
        try:
            data = f.read_bytes()
        except OSError as e:
            refused.append({"filename": str(f), "error": f"cannot read: {e}", "code": "unreadable"})
            continue
        jobs, errs = submit_uploads(backend, [(f.name, data)], batch_id=batch_id, engine=engine, lang=lang,
                                    settings=settings, case=case)
        refused += errs
        pairs += [(j.filename if archive.is_zip(data, f.name) else f.name, j) for j in jobs]
    deadline = time.monotonic() + timeout
    bar = tqdm(total=len(pairs), unit="doc", disable=not show_progress, desc="OCR")
    latest: dict[str, Job] = {}
    while True:
        for _, j in pairs:
            if j.id not in latest or not latest[j.id].done:
                latest[j.id] = backend.get(j.id) or j
        n_done = sum(latest[j.id].done for _, j in pairs)
        bar.update(n_done - bar.n)
        if n_done == len(pairs) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    bar.close()
    rows = [document_row(latest[j.id], name) for name, j in pairs]
    rows += [{**refused_row(r), "status": FAILURE} for r in refused]
    Path(out).write_bytes(to_csv(rows, doc_columns()))
    if json_out:
        Path(json_out).write_text(to_jsonl(latest[j.id] for _, j in pairs), encoding="utf-8")
    counts = {"documents": len(rows), "succeeded": sum(r["status"] == SUCCESS for r in rows),
              "failed": sum(r["status"] == FAILURE for r in rows),
              "unfinished": sum(r["status"] in ACTIVE for r in rows)}
    return counts
