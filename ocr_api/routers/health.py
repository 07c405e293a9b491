"""GET /health: status, time, uptime, engine and model versions, database and Redis reachability."""
from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from ocr_core.config import Settings
from ocr_core.engines import available_engines, engine_version, loaded_engines
from ocr_core.store import connect, scan_count
from ocr_core.timefmt import now_utc
from ..schemas import HealthOut

router = APIRouter(tags=["service"])


def redis_ping(url: str, timeout: float = 0.5) -> tuple[bool, str | None]:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return True, None
    except Exception as e:  # noqa: BLE001 - any failure means unreachable
        return False, f"{type(e).__name__}: {e}"


def check(settings: Settings) -> dict:
    try:
        scan_count(connect(settings.db_path))
        db = {"ok": True, "detail": None}
    except Exception as e:  # noqa: BLE001
        db = {"ok": False, "detail": f"{type(e).__name__}: {e}"}
    url = settings.broker_url
    if url:
        ok, detail = redis_ping(url)
        rd = {"configured": True, "ok": ok, "detail": detail}
    else:
        rd = {"configured": False, "ok": True, "detail": "not configured: jobs run in the API process"}
    return {"database": db, "redis": rd}


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}},
            summary="liveness and readiness (no API key needed)")
async def health(request: Request, response: Response) -> dict:
    from .. import __version__

    s: Settings = request.app.state.settings
    parts = await run_in_threadpool(check, s)
    name, lang = s.ocr_engine, s.ocr_model_lang
    try:
        version = engine_version(name, lang)
    except Exception as e:  # noqa: BLE001
        version = f"unavailable: {e}"
    loaded = any(getattr(e, "name", None) == name for e in loaded_engines())
    status = "ok"
    if not parts["redis"]["ok"]:
        status = "degraded"
    if not parts["database"]["ok"]:
        status = "down"
        response.status_code = 503
    return {"status": status, "timestamp": now_utc(),
            "uptime": round(time.time() - request.app.state.metrics.started, 1), "version": __version__,
            "engine": {"name": name, "lang": lang, "version": version, "loaded": loaded,
                       "available": available_engines()},
            "jobs_backend": "celery" if s.broker_url else "embedded", **parts}
