"""API benchmark, by hand: `python bench/bench_api.py [--requests 20] [--soak-minutes 3]`.

Starts `python -m ocr_core api` on a free loopback port (temporary database), then:
1. 10 concurrent clients posting distinct (uncached) dev images: throughput and p50/p95, with 1 and
   2 uvicorn worker processes;
2. cached hits: the same image again, one client: p50/p95;
3. soak: 100 requests a minute (a mix of cached and new files) for --soak-minutes, counting errors
   and sampling the server's RSS (parent and workers) once a minute.
Prints one JSON object. Needs ../shared/data/dev.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "dev"
API = "/ocr-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(vals: list[float], q: float) -> float:
    v = sorted(vals)
    return round(v[min(len(v) - 1, int(round(q * (len(v) - 1))))], 3)


def rss_mb(pid: int) -> float:
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for t in os.listdir(f"/proc/{p}/task"):
                stack += [int(c) for c in open(f"/proc/{p}/task/{t}/children").read().split()]
        except (FileNotFoundError, ProcessLookupError):
            pass
    return round(total / 1024, 1)


class Server:
    def __init__(self, workers: int, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DB_PATH": str(tmp / "ocr.db"), "OCR_KEY_FILE": str(tmp / "secret.key"),
               "RATE_LIMIT_REQUESTS": "1000000", "LOG_LEVEL": "WARNING", "API_QUEUE_SIZE": "16",
               # as many engine threads in all as there are cores: N processes x (cores / N) threads
               "OCR_THREADS": str(max(1, (os.cpu_count() or 2) // workers))}
        for k in ("REDIS_URL", "CELERY_BROKER_URL", "OCR_API_KEYS"):
            env.pop(k, None)
        self.proc = subprocess.Popen([sys.executable, "-m", "ocr_core", "api", "--port", str(self.port),
                                      "--workers", str(workers)], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(self.url + API + "/health", timeout=2).json()["engine"]["loaded"]:
                    break
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the API did not start")
            time.sleep(0.5)
        if workers > 1:  # every worker process loads its engine at startup: warm them all
            time.sleep(5)

    def post(self, client: httpx.Client, path: Path, name: str | None = None) -> tuple[int, float]:
        t0 = time.perf_counter()
        r = client.post(self.url + API + "/paddleocr/predict", files={"file": (name or path.name, path.read_bytes())})
        return r.status_code, time.perf_counter() - t0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def concurrent(server: Server, files: list[Path], clients: int = 10) -> dict:
    with httpx.Client(timeout=300) as c, ThreadPoolExecutor(clients) as pool:
        t0 = time.perf_counter()
        res = list(pool.map(lambda p: server.post(c, p), files))
        wall = time.perf_counter() - t0
    lat = [s for _, s in res]
    return {"requests": len(res), "clients": clients, "errors": sum(code != 200 for code, _ in res),
            "throughput_rps": round(len(res) / wall, 2), "p50_s": pct(lat, 0.5), "p95_s": pct(lat, 0.95)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20, help="uncached requests per worker setting")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--soak-minutes", type=float, default=3.0)
    ap.add_argument("--soak-rpm", type=int, default=100)
    args = ap.parse_args()
    images = sorted(DEV.glob("*.png")) + sorted(DEV.glob("*.jpg"))
    out: dict = {"cpus": os.cpu_count(), "concurrency_10_clients": {}}
    offset = 0
    for n in [int(x) for x in args.workers.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            srv = Server(n, Path(tmp))
            try:
                files = images[offset:offset + args.requests]
                offset += args.requests
                out["concurrency_10_clients"][f"{n}_worker_process"] = concurrent(srv, files)
            finally:
                srv.stop()
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(1, Path(tmp))
        try:
            with httpx.Client(timeout=300) as c:
                srv.post(c, images[0])
                lat = [srv.post(c, images[0])[1] for _ in range(50)]
                out["cached_hit"] = {"requests": 50, "p50_s": pct(lat, 0.5), "p95_s": pct(lat, 0.95)}
                # soak: a steady rate, a new file every 10th request, the rest cached
                interval, n_total = 60.0 / args.soak_rpm, int(args.soak_minutes * args.soak_rpm)
                errors, lat, rss = 0, [], [rss_mb(srv.proc.pid)]
                start = time.monotonic()
                for i in range(n_total):
                    time.sleep(max(0.0, start + i * interval - time.monotonic()))
                    f = images[(i // 10) % len(images)] if i % 10 == 0 else images[i % 5]
                    code, s = srv.post(c, f, f"soak-{i}.png")
                    errors += code != 200
                    lat.append(s)
                    if (i + 1) % args.soak_rpm == 0:
                        rss.append(rss_mb(srv.proc.pid))
                out["soak"] = {"minutes": args.soak_minutes, "requests": n_total, "errors": errors,
                               "p95_s": pct(lat, 0.95), "rss_mb_per_minute": rss,
                               "mean_s": round(statistics.mean(lat), 3)}
        finally:
            srv.stop()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
