"""The interface every job backend offers (`JobBackend`: `submit`, `get`, `list`, `shutdown`,
`wait`) and what backends share: `BaseBackend.wait`, `submission` (the checks before anything is
queued) and `run_attempt` (one OCR attempt of a claimed job)."""
from __future__ import annotations

import time
from typing import Protocol

from .. import files
from ..config import Settings
from ..errors import InputError
from ..models import DocumentResult
from ..pipeline import sha256
from .model import SUCCESS, Job, ScanFn
from .table import JobStore


class JobBackend(Protocol):
    def submit(self, data: bytes, filename: str, *, engine: str | None = None, lang: str | None = None,
               batch_id: str | None = None) -> Job: ...

    def get(self, job_id: str) -> Job | None: ...

    def list(self, *, batch_id: str | None = None, limit: int = 1000) -> list[Job]: ...

    def shutdown(self) -> None: ...

    def wait(self, job_ids: list[str], timeout: float = 300.0, poll: float | None = None) -> list[Job]: ...


class BaseBackend:
    """What every backend shares beyond the protocol: `wait`."""

    POLL_SECONDS = 0.1

    def get(self, job_id: str) -> Job | None:  # pragma: no cover - every backend defines it
        raise NotImplementedError

    def wait(self, job_ids: list[str], timeout: float = 300.0, poll: float | None = None) -> list[Job]:
        """Block until every job is SUCCESS or FAILURE (or the timeout passes); the jobs as last seen."""
        deadline = time.monotonic() + timeout
        while True:
            jobs = [self.get(j) for j in job_ids]
            if all(j is not None and j.done for j in jobs) or time.monotonic() > deadline:
                return [j for j in jobs if j is not None]
            time.sleep(poll or self.POLL_SECONDS)


def default_scan(data: bytes, filename: str, *, engine: str | None, lang: str | None,
                 settings: Settings) -> DocumentResult:
    from ..pipeline import scan

    return scan(data, filename=filename, engine=engine, lang=lang, settings=settings, source_label="job")


def run_attempt(store: JobStore, job: Job, scan_fn: ScanFn | None = None) -> Job:
    """Run one OCR attempt of a claimed (STARTED) job and record SUCCESS, or raise.

    Shared by every backend. Raises `InputError` for a bad file and anything else for a failure
    worth retrying; the caller decides (see `EmbeddedBackend._run`)."""
    data = files.get(job.file_hash, store.settings)
    if data is None:
        raise InputError("the uploaded file is no longer stored; upload it again")
    attempts = (job.attempts or 0) + 1
    store.update(job.id, attempts=attempts)
    result = (scan_fn or default_scan)(data, job.filename, engine=job.engine, lang=job.lang,
                                       settings=store.settings)
    if store.get(job.id) is None:
        return None  # the document was deleted meanwhile: nothing of it is kept
    from ..record.keeping import keep

    keep(result, data, settings=store.settings)
    store.update(job.id, status=SUCCESS, completed_at=time.time(), error=None, error_code=None)
    return store.get(job.id)  # type: ignore[return-value]



def submission(data: bytes, filename: str, engine: str | None, lang: str | None,
               settings: Settings) -> tuple[bytes, str, str, str]:
    """What every backend's submit starts from: (bytes, file hash, engine, lang); an empty file is
    refused here, before anything is queued."""
    data = bytes(data)
    if not data:
        raise InputError(f"{filename}: the file is empty")
    return data, sha256(data), engine or settings.ocr_engine, lang or settings.ocr_model_lang
