"""API benchmark, by hand: `python bench/bench_api.py [--requests 20] [--soak-minutes 3]`.

Starts `python -m ocr_core api` on a free loopback port (temporary database), then:
1. 10 concurrent clients posting distinct (uncached) dev images: throughput and p50/p95, with 1 and
   2 uvicorn worker processes;
2. cached hits: the same image again, one client: p50/p95;
3. soak: 100 requests a minute (a mix of cached and new files) for --soak-minutes, counting errors
   and sampling the server's RSS (parent and workers) once a minute.
Prints one JSON object. Needs ../shared/data/dev.

`--cached-load SECONDS` runs only the load probe instead: 2 worker processes, 5 files scanned once,
then 10 clients posting them again (cached hits) for SECONDS; counts the answers by status (any 500
is an error: concurrent writes of the same masked page once collided on a temporary file name).

`--budget-probe` runs only the work-budget probe: 2 worker processes; pairs of identical uploads
posted at once (engine runs counted in the scan log: 1 per pair when in-flight uploads are scanned
once), then a 100-frame 7000x8000 TIFF (made in a temporary folder, group 4, a few MB): how long
until the API answers (413 at once when MAX_DOCUMENT_PIXELS refuses it; else it is scanned for
minutes: the probe gives up after 20 s) and the server's RSS meanwhile.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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
    """The q (0 to 1) quantile, rounded: the core's one `percentile`."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from ocr_core.metrics import percentile

    return round(percentile(vals, q * 100), 3)  # type: ignore[arg-type]


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
                                      "--workers", str(workers)], cwd=ROOT, env=env, start_new_session=True,
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

    def kill(self) -> None:
        """SIGKILL to the server's process group (its worker processes too, whatever they are doing)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)


def concurrent(server: Server, files: list[Path], clients: int = 10) -> dict:
    with httpx.Client(timeout=300) as c, ThreadPoolExecutor(clients) as pool:
        t0 = time.perf_counter()
        res = list(pool.map(lambda p: server.post(c, p), files))
        wall = time.perf_counter() - t0
    lat = [s for _, s in res]
    return {"requests": len(res), "clients": clients, "errors": sum(code != 200 for code, _ in res),
            "throughput_rps": round(len(res) / wall, 2), "p50_s": pct(lat, 0.5), "p95_s": pct(lat, 0.95)}


def cached_load(server: Server, files: list[Path], seconds: float, clients: int = 10) -> dict:
    """`clients` threads posting the (already cached) `files` in turn for `seconds`."""
    codes: dict[int, int] = {}
    lat: list[float] = []
    lock = threading.Lock()
    with httpx.Client(timeout=300) as c:
        for f in files:  # scanned once: every request below is a cached hit
            server.post(c, f)
        deadline = time.monotonic() + seconds

        def client(i: int) -> None:
            n = i
            while time.monotonic() < deadline:
                code, s = server.post(c, files[n % len(files)])
                with lock:
                    codes[code] = codes.get(code, 0) + 1
                    lat.append(s)
                n += 1

        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(client, range(clients)))
    return {"seconds": seconds, "clients": clients, "requests": len(lat), "status_counts": codes,
            "errors_500": sum(n for code, n in codes.items() if code >= 500),
            "p50_s": pct(lat, 0.5), "p95_s": pct(lat, 0.95)}


def bomb_tiff(path: Path, frames: int = 100, size: tuple[int, int] = (7000, 8000)) -> Path:
    """A `frames`-page TIFF of `size` pages (1 bit, group 4: a few MB), from 3 distinct pages."""
    from PIL import Image, ImageDraw

    pages = []
    for k in range(3):
        im = Image.new("1", size, 1)
        d = ImageDraw.Draw(im)
        for y in range(200 + 40 * k, size[1] - 200, 400):
            d.rectangle([300, y, size[0] - 300, y + 60], fill=0)
        pages.append(im)
    pages[0].save(path, save_all=True, append_images=[pages[i % 3] for i in range(1, frames)],
                  compression="group4")
    return path


def budget_probe(server: Server, db: Path, files: list[Path]) -> dict:
    import sqlite3

    out: dict = {"identical_pairs": []}
    with httpx.Client(timeout=300) as c, ThreadPoolExecutor(2) as pool:
        for f in files:  # two identical uploads at once, never seen before
            codes = list(pool.map(lambda _: server.post(c, f)[0], range(2)))
            h = hashlib.sha256(f.read_bytes()).hexdigest()
            with sqlite3.connect(db) as con:
                runs = con.execute("select count(*) from scans where file_hash = ? and cached = 0", [h]).fetchone()[0]
            out["identical_pairs"].append({"codes": codes, "engine_runs": runs})
    with tempfile.TemporaryDirectory() as tmp:
        bomb = bomb_tiff(Path(tmp) / "bomb.tif")
        size = bomb.stat().st_size
        rss0 = rss_mb(server.proc.pid)
        t0 = time.perf_counter()
        try:
            r = httpx.post(server.url + API + "/paddleocr/predict", files={"file": ("bomb.tif", bomb.read_bytes())},
                           timeout=20)
            answer = {"status": r.status_code, "body": r.json()}
        except httpx.TimeoutException:
            answer = {"status": None, "body": "no answer within 20 s (accepted and being scanned)"}
        out["bomb_tiff"] = {"frames": 100, "size": "7000x8000", "file_mb": round(size / 1e6, 2), **answer,
                            "seconds": round(time.perf_counter() - t0, 2), "rss_mb_before": rss0,
                            "rss_mb_after": rss_mb(server.proc.pid)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20, help="uncached requests per worker setting")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--soak-minutes", type=float, default=3.0)
    ap.add_argument("--soak-rpm", type=int, default=100)
    ap.add_argument("--cached-load", type=float, default=0.0, metavar="SECONDS",
                    help="only the load probe: 10 clients on cached hits, 2 worker processes, this long")
    ap.add_argument("--budget-probe", action="store_true", help="only the work-budget probe (see above)")
    args = ap.parse_args()
    images = sorted(DEV.glob("*.png")) + sorted(DEV.glob("*.jpg"))
    if args.budget_probe:
        with tempfile.TemporaryDirectory() as tmp:
            srv = Server(2, Path(tmp))
            try:
                print(json.dumps({"budget_probe_2_workers": budget_probe(srv, Path(tmp) / "ocr.db", images[20:23])}))
            finally:
                srv.kill()  # not terminate: a worker may be minutes into the TIFF
        return
    if args.cached_load:
        with tempfile.TemporaryDirectory() as tmp:
            srv = Server(2, Path(tmp))
            try:
                print(json.dumps({"cached_load_2_workers": cached_load(srv, images[:5], args.cached_load)}))
            finally:
                srv.stop()
        return
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
