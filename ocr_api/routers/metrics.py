"""GET /metrics: the seed's JSON figures, or Prometheus text when asked (Accept: text/plain or
OpenMetrics), and GET /metrics/prometheus for scrapers."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST

from ocr_core.jobs import JobStore
from ocr_core.store import ResultCache, connect
from ..deps import Operator, client_id
from ..schemas import MetricsOut
from . import error_responses

router = APIRouter(prefix="/metrics", tags=["service"])


def _stored(settings) -> tuple[dict, dict]:
    db = connect(settings.db_path)
    return ResultCache(settings, db).stats(), JobStore(settings, db).counts(present_only=True)


def metrics_rate_limit(request: Request, _who: Operator) -> None:
    """RATE_LIMIT_METRICS_REQUESTS per RATE_LIMIT_PERIOD per client (API key, else address): a
    budget apart from the other routes'; else 429."""
    request.state.rate_limit_remaining = request.app.state.metrics_limiter.hit(client_id(request))


MetricsRateLimit = Annotated[None, Depends(metrics_rate_limit)]


def _prometheus(request: Request) -> Response:
    st = request.app.state
    st.metrics.set_slots(st.slots.in_flight, st.slots.rejected)
    return Response(st.metrics.prometheus_text(), media_type=CONTENT_TYPE_LATEST)


@router.get("", response_model=MetricsOut, responses={**error_responses(401, 429),
            200: {"content": {"text/plain": {}}, "description": "JSON, or Prometheus text when Accept asks"}},
            summary="request, error, latency and cache figures")
async def metrics(request: Request, _who: Operator, _rl: MetricsRateLimit):
    accept = request.headers.get("accept", "")
    if "text/plain" in accept or "openmetrics" in accept:
        return _prometheus(request)
    st = request.app.state
    cache, jobs = await run_in_threadpool(_stored, st.settings)
    return {**st.metrics.snapshot(), "ocr": st.slots.stats(), "cache": cache, "jobs": jobs}


@router.get("/prometheus", response_class=Response, responses={**error_responses(401, 429),
            200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
            summary="Prometheus text format for scrapers")
async def metrics_prometheus(request: Request, _who: Operator, _rl: MetricsRateLimit) -> Response:
    return _prometheus(request)
