"""Request metrics of one API process: the seed's JSON figures and Prometheus collectors.

Each app gets its own Prometheus registry (several apps may live in one test process)."""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ocr_core.metrics import percentile

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)


def _pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (0 to 100) rounded for the response: the core's one `percentile`."""
    p = percentile(values, q)
    return None if p is None else round(p, 4)


class ApiMetrics:
    def __init__(self) -> None:
        self.started = time.time()
        self._lock = threading.Lock()
        self.requests = 0
        self.errors = 0  # responses with status >= 400
        self.server_errors = 0  # status >= 500
        self.by_status: dict[int, int] = {}
        self.scans = 0
        self.cache_hits = 0
        self._latency: deque[float] = deque(maxlen=2000)
        self._scan_latency: deque[float] = deque(maxlen=2000)

        self.registry = CollectorRegistry(auto_describe=True)
        self.p_requests = Counter("ocr_api_requests", "HTTP requests handled", ["method", "route", "status"],
                                  registry=self.registry)
        self.p_latency = Histogram("ocr_api_request_duration_seconds", "HTTP request latency", ["route"],
                                   buckets=LATENCY_BUCKETS, registry=self.registry)
        self.p_scans = Counter("ocr_api_scans", "documents scanned through the API", ["engine", "cached"],
                               registry=self.registry)
        self.p_scan_latency = Histogram("ocr_api_scan_duration_seconds", "OCR time per document",
                                        ["engine"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.p_errors = Counter("ocr_api_errors", "error responses by code", ["code"], registry=self.registry)
        self.p_uptime = Gauge("ocr_api_uptime_seconds", "seconds since the API started", registry=self.registry)
        self.p_uptime.set_function(lambda: time.time() - self.started)
        self.p_in_flight = Gauge("ocr_api_ocr_in_flight", "OCR calls running or waiting", registry=self.registry)
        self.p_rejected = Gauge("ocr_api_ocr_rejected", "requests refused because the OCR queue was full",
                                registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests += 1
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if status >= 400:
                self.errors += 1
            if status >= 500:
                self.server_errors += 1
            self._latency.append(seconds)
        self.p_requests.labels(method, route, str(status)).inc()
        self.p_latency.labels(route).observe(seconds)

    def observe_error(self, code: str) -> None:
        self.p_errors.labels(code).inc()

    def observe_scan(self, engine: str, cached: bool, seconds: float) -> None:
        with self._lock:
            self.scans += 1
            self.cache_hits += int(cached)
            self._scan_latency.append(seconds)
        self.p_scans.labels(engine, str(bool(cached)).lower()).inc()
        self.p_scan_latency.labels(engine).observe(seconds)

    def set_slots(self, in_flight: int, rejected: int) -> None:
        self.p_in_flight.set(in_flight)
        self.p_rejected.set(rejected)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            lat = sorted(self._latency)
            scan_lat = sorted(self._scan_latency)
            requests, errors, scans, hits = self.requests, self.errors, self.scans, self.cache_hits
            by_status = {str(k): v for k, v in sorted(self.by_status.items())}
            server_errors = self.server_errors
        uptime = time.time() - self.started
        return {
            "requests_processed": requests,
            "errors": errors,
            "server_errors": server_errors,
            "error_rate": round(errors / requests, 4) if requests else 0.0,
            "uptime": round(uptime, 1),
            "uptime_seconds": round(uptime, 1),
            "requests_per_second": round(requests / uptime, 3) if uptime > 0 else 0.0,
            "status_codes": by_status,
            "scans": scans,
            "cache_hits": hits,
            "cache_hit_rate": round(hits / scans, 4) if scans else 0.0,
            "latency_seconds": {"avg": round(sum(lat) / len(lat), 4) if lat else None, "p50": _pct(lat, 50),
                                "p95": _pct(lat, 95), "p99": _pct(lat, 99), "max": _pct(lat, 100)},
            "scan_seconds": {"avg": round(sum(scan_lat) / len(scan_lat), 4) if scan_lat else None,
                             "p50": _pct(scan_lat, 50), "p95": _pct(scan_lat, 95)},
        }

    def prometheus_text(self) -> bytes:
        return generate_latest(self.registry)
