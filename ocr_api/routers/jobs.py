"""Background jobs: POST /paddleocr/predict-async, GET /paddleocr/status/{job_id}, GET /jobs.

The job backend is the core's (`ocr_core.jobs.get_backend`): Celery workers when a broker is
configured, else the embedded pool."""
from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from ocr_core.record import cases, views
from ocr_core.jobs import Job
from ocr_core.loader import load_pages, unlock_pdf
from ..deps import APIError, BackendDep, CaseForm, Operator, PasswordForm, RateLimitDep, UploadDep
from ..ocr import charge_work
from ..schemas import JobList, JobOut, JobSubmitted
from . import UPLOAD_ERRORS, error_responses

router = APIRouter(tags=["jobs"])


def job_out(job: Job) -> dict:
    """The job; once done, its document as reviewed (`record.views.Reviewed.export`, masked)."""
    d = job.to_dict()  # the result masked
    d["job_id"] = d.pop("id")
    if job.status == "SUCCESS":
        rv = views.get(job.file_hash)
        if rv is not None:
            d["result"] = {**rv.export(), "filename": job.filename}
    return d


@router.post("/paddleocr/predict-async", response_model=JobSubmitted, status_code=202, responses=UPLOAD_ERRORS,
             summary="queue one image or PDF; poll its status")
async def predict_async(request: Request, upload: UploadDep, backend: BackendDep, _who: Operator,
                        _rl: RateLimitDep, password: PasswordForm = None, case: CaseForm = None) -> dict:
    # a protected PDF is decrypted here, in memory: the job (its row, its queued file) never holds
    # the password, only the decrypted document (stored encrypted like every upload)
    data = await run_in_threadpool(unlock_pdf, upload.data, password or None)
    await charge_work(request, data)  # MAX_DOCUMENT_PIXELS (413), USER_PIXELS_PER_MINUTE (429)
    # a bad file (empty, wrong type, too large, unreadable, no password) is refused now, not in the job
    await run_in_threadpool(load_pages, data, request.app.state.settings)
    job = await run_in_threadpool(backend.submit, data, upload.filename)
    if case:
        await run_in_threadpool(cases.assign, job.file_hash, case)
    msg = {"SUCCESS": "already done: the result is ready", "FAILURE": "this file failed before"}.get(
        job.status, "queued: poll status_url for the result")
    return {"job_id": job.id, "status": job.status, "message": msg, "file_hash": job.file_hash,
            "filename": job.filename, "status_url": str(request.url_for("job_status", job_id=job.id).path)}


@router.get("/paddleocr/status/{job_id}", response_model=JobOut, responses=error_responses(401, 404, 429, 503),
            summary="a job's status and, once done, its result")
async def job_status(backend: BackendDep, _who: Operator, _rl: RateLimitDep,
                     job_id: str = Path(max_length=64, pattern=r"^[A-Za-z0-9-]+$")) -> dict:
    job = await run_in_threadpool(backend.get, job_id)
    if job is None:
        raise APIError(404, "job_not_found", f"no job with id {job_id}")
    return await run_in_threadpool(job_out, job)


@router.get("/jobs", response_model=JobList, responses=error_responses(401, 429, 503), summary="recent jobs")
async def list_jobs(backend: BackendDep, _who: Operator, _rl: RateLimitDep,
                    batch_id: str | None = Query(None, max_length=64),
                    limit: int = Query(100, ge=1, le=1000)) -> dict:
    jobs = await run_in_threadpool(backend.list, batch_id=batch_id, limit=limit)
    return {"jobs": await run_in_threadpool(lambda: [job_out(j) for j in jobs]), "count": len(jobs)}
