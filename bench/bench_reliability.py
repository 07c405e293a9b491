"""Reliability bench, by hand: `python bench/bench_reliability.py [--seconds 120] [--scans 500]`.

Each part runs against real processes on a temporary database (loopback only) and checks what it
measures; tests/test_faults_load.py runs short versions of the same drivers.

1. load: 10 clients for --seconds against `python -m ocr_core api` (sync predict of new and
   cached files, async jobs polled to the end): requests, 503 retries, throughput, p50/p95, and
   the lost / duplicated / wrong results (must be 0).
2. corrections: two processes adding IDs to the same document at once: written vs kept.
3. kill: the API (embedded job pool) SIGKILLed mid-job, restarted: jobs completed / failed with a
   reason / left unfinished (must be 0).
4. rss: --scans scans in one process (new and cached files alternating): RSS after warm-up and at
   the end.
Prints one JSON object. Needs ../shared/data/dev.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "dev"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
API = "/ocr-api"
PAN = "EDYPK5645N"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(vals: list[float], q: float) -> float | None:
    """The q (0 to 1) quantile, rounded: the core's one `percentile`."""
    from ocr_core.metrics import percentile

    p = percentile(vals, q * 100)
    return None if p is None else round(p, 3)


def variant(base: bytes, i: int) -> bytes:
    """The specimen with one pixel changed: a new file hash, the same reading."""
    from PIL import Image

    im = Image.open(io.BytesIO(base)).convert("RGB")
    im.putpixel((i % im.width, (i // im.width) % im.height), ((i * 37) % 256, (i * 11) % 256, 7))
    b = io.BytesIO()
    im.save(b, "PNG")
    return b.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- a real API process
class Server:
    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DB_PATH": str(self.data_dir / "ocr.db"),
                    "OCR_KEY_FILE": str(self.data_dir / "secret.key"), "RATE_LIMIT_REQUESTS": "1000000",
                    "OCR_WORKERS": "2", "API_MAX_CONCURRENCY": "2", "API_QUEUE_SIZE": "8", **env}
        self.env.pop("REDIS_URL", None)
        self.env.pop("CELERY_BROKER_URL", None)
        self.proc: subprocess.Popen | None = None
        self.log = self.data_dir / f"server-{self.port}.log"

    def start(self, timeout: float = 180) -> "Server":
        import httpx

        self.proc = subprocess.Popen([sys.executable, "-m", "ocr_core", "api", "--host", "127.0.0.1", "--port",
                                      str(self.port)], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "ab"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the API exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}{API}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError("the API did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss(self) -> int:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss if self.proc else 0


def _post(client, url: str, name: str, data: bytes, stats: dict, max_wait: float = 120):
    """POST until answered (503 = queue full: wait Retry-After, capped at 1 s, and send again)."""
    deadline = time.monotonic() + max_wait
    while True:
        t0 = time.perf_counter()
        r = client.post(url, files={"file": (name, data, "image/png")})
        if r.status_code != 503 or time.monotonic() > deadline:
            stats["latency"].append(time.perf_counter() - t0)
            return r
        stats["retries_503"] += 1
        time.sleep(min(1.0, float(r.headers.get("Retry-After", "1"))) * random.uniform(0.5, 1.0))


def load(url: str, seconds: float, clients: int = 10, base: bytes | None = None, min_rounds: int = 2) -> dict:
    """`clients` threads for `seconds`: sync new files, sync cached repeats, async new files.
    Each client sends at least `min_rounds` requests however slow the machine is, so every kind
    is exercised (10 clients x 2 rounds: at least 6 of each). Returns the figures and `problems`
    (lost, duplicated or wrong results)."""
    import httpx

    base = base or (DEV / "pan_000.png").read_bytes()
    stats = {"latency": [], "retries_503": 0}
    sync_sent: dict[str, str] = {}  # file hash -> name, answered 200
    async_sent: dict[str, str] = {}  # job id -> file hash
    problems: list[str] = []
    lock = threading.Lock()
    counter = iter(range(10_000_000))
    stop = time.monotonic() + seconds
    counts = {"sync_new": 0, "sync_cached": 0, "async": 0, "requests": 0}
    cached = variant(base, 999_999)

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=300) as c:
            j = 0
            while j < min_rounds or time.monotonic() < stop:
                j += 1
                kind = ("sync_new", "sync_cached", "async")[(k + j) % 3]
                if kind == "sync_cached":
                    data, name = cached, "cached.png"
                else:
                    with lock:
                        i = next(counter)
                    data, name = variant(base, i), f"c{k}-{j}.png"
                h = sha(data)
                try:
                    r = _post(c, f"{API}/paddleocr/predict" + ("-async" if kind == "async" else ""), name, data, stats)
                except httpx.HTTPError as e:
                    problems.append(f"{name}: {type(e).__name__}: {e}")
                    continue
                with lock:
                    counts["requests"] += 1
                    counts[kind] += 1
                if kind == "async":
                    if r.status_code != 202 or r.json()["file_hash"] != h:
                        problems.append(f"{name}: async {r.status_code} {r.text[:200]}")
                        continue
                    with lock:
                        jid = r.json()["job_id"]
                        if jid in async_sent:
                            problems.append(f"{name}: job id {jid} given twice")
                        async_sent[jid] = h
                    continue
                if r.status_code != 200:
                    problems.append(f"{name}: {r.status_code} {r.text[:200]}")
                    continue
                d = r.json()
                if d["file_hash"] != h or d["document_ids"].get("PAN") != [PAN] or d["filename"] != name:
                    problems.append(f"{name}: wrong result {d['file_hash'][:12]} {d['document_ids'].get('PAN')}")
                if kind == "sync_new":
                    with lock:
                        sync_sent[h] = name

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load_s = time.perf_counter() - t0
    # every queued job ends, exactly once, with its own file's result
    done: dict[str, dict] = {}
    with httpx.Client(base_url=url, timeout=60) as c:
        deadline = time.monotonic() + max(120.0, len(async_sent) * 3.0)
        while len(done) < len(async_sent) and time.monotonic() < deadline:
            for jid in [j for j in async_sent if j not in done]:
                d = c.get(f"{API}/paddleocr/status/{jid}").json()
                if d["status"] in ("SUCCESS", "FAILURE"):
                    done[jid] = d
            time.sleep(0.3)
        listed = c.get(f"{API}/jobs", params={"limit": 1000}).json()["jobs"]
        metrics = c.get(f"{API}/metrics").json()
    for jid, h in async_sent.items():
        d = done.get(jid)
        if d is None:
            problems.append(f"job {jid} lost (not finished)")
        elif d["status"] != "SUCCESS" or d["file_hash"] != h or (d["result"] or {}).get("document_ids", {}).get(
                "PAN") != [PAN]:
            problems.append(f"job {jid}: {d['status']} {d.get('error')}")
    ids = [j["job_id"] for j in listed]
    if len(ids) != len(set(ids)):
        problems.append("duplicated job rows")
    hashes = [j["file_hash"] for j in listed]
    if len(hashes) != len(set(hashes)) or set(hashes) != set(async_sent.values()):
        problems.append(f"jobs table: {len(hashes)} rows, {len(set(hashes))} files, {len(async_sent)} submitted")
    lat = stats["latency"]
    return {"clients": clients, "seconds": round(load_s, 1), **counts, "retries_503": stats["retries_503"],
            "jobs": len(async_sent), "jobs_done": len(done),
            "throughput_rps": round(counts["requests"] / load_s, 2),
            "latency_p50_s": pct(lat, 0.5), "latency_p95_s": pct(lat, 0.95), "server_errors": metrics.get(
                "server_errors"), "sync_files": len(sync_sent), "lost_or_wrong": len(problems), "problems": problems[:20]}


# ---------------------------------------------------------------- two processes, one database
_WRITER = r"""
import sys, time
from ocr_core.record import corrections
h, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    corrections.add_id(h, "PAN", f"ABCP{tag}{i + 1:04d}Z", f"op-{tag}", reason=f"writer {tag}")
print("done", n)
"""


def corrections_race(db_dir: Path, n: int, file_hash: str) -> dict:
    """Two processes add `n` IDs each to the same document at once."""
    env = {**os.environ, "DB_PATH": str(Path(db_dir) / "ocr.db"), "OCR_KEY_FILE": str(Path(db_dir) / "secret.key")}
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, file_hash, tag, str(n)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("A", "B")]
    outs = [p.communicate(timeout=600) for p in procs]
    seconds = time.perf_counter() - t0
    for p, (out, err) in zip(procs, outs):
        if p.returncode != 0:
            raise RuntimeError(err[-3000:])
    return {"writers": 2, "per_writer": n, "seconds": round(seconds, 2)}


# ---------------------------------------------------------------- kill mid-job, restart
def kill_and_restart(data_dir: Path, n_jobs: int = 6, base: bytes | None = None) -> dict:
    import httpx

    base = base or (DEV / "pan_000.png").read_bytes()
    srv = Server(data_dir, OCR_WORKERS="1").start()
    ids = []
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            for i in range(n_jobs):
                r = c.post(f"{API}/paddleocr/predict-async", files={"file": (f"k{i}.png", variant(base, 50_000 + i),
                                                                             "image/png")})
                assert r.status_code == 202, r.text
                ids.append(r.json()["job_id"])
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                st = [c.get(f"{API}/paddleocr/status/{j}").json()["status"] for j in ids]
                if "STARTED" in st:
                    break
                time.sleep(0.05)
    finally:
        srv.kill()
    import sqlite3

    con = sqlite3.connect(str(Path(data_dir) / "ocr.db"))
    at_kill = dict(con.execute("select status, count(*) from ocr_jobs group by status").fetchall())
    con.close()
    t0 = time.perf_counter()
    srv2 = Server(data_dir, OCR_WORKERS="1").start()
    final: dict[str, dict] = {}
    try:
        with httpx.Client(base_url=srv2.url, timeout=60) as c:
            deadline = time.monotonic() + 240
            while len(final) < len(ids) and time.monotonic() < deadline:
                for j in ids:
                    d = c.get(f"{API}/paddleocr/status/{j}").json()
                    if d["status"] in ("SUCCESS", "FAILURE"):
                        final[j] = d
                time.sleep(0.3)
    finally:
        srv2.stop()
    return {"jobs": len(ids), "at_kill": at_kill, "recovery_s": round(time.perf_counter() - t0, 1),
            "succeeded": sum(d["status"] == "SUCCESS" for d in final.values()),
            "failed_with_reason": sum(d["status"] == "FAILURE" and bool(d.get("error")) for d in final.values()),
            "unfinished": len(ids) - len(final),
            "attempts": sorted(d.get("attempts") or 0 for d in final.values())}


# ---------------------------------------------------------------- RSS over many scans
def rss_soak(n: int, warmup: int = 10) -> dict:
    """`n` scans in this process, new and cached files alternating; RSS sampled after each."""
    import gc

    import psutil

    from ocr_core import scan

    base = (DEV / "pan_000.png").read_bytes()
    proc = psutil.Process()
    samples = []
    t0 = time.perf_counter()
    for i in range(n + warmup):
        data = variant(base, 700_000 + i // 2)  # each file twice: once new, once from the cache
        r = scan(data, filename=f"s{i}.png")
        assert r.document_ids()["PAN"] == [PAN], r.document_ids()
        if i >= warmup:
            if i % 10 == 0:
                gc.collect()
            samples.append(proc.memory_info().rss)
    secs = time.perf_counter() - t0
    q = max(1, len(samples) // 4)
    return {"scans": n, "warmup": warmup, "seconds": round(secs, 1),
            "rss_after_warmup_mb": round(samples[0] / 1e6, 1), "rss_end_mb": round(samples[-1] / 1e6, 1),
            "rss_max_mb": round(max(samples) / 1e6, 1),
            "first_quarter_mean_mb": round(statistics.mean(samples[:q]) / 1e6, 1),
            "last_quarter_mean_mb": round(statistics.mean(samples[-q:]) / 1e6, 1),
            "growth_mb": round((statistics.mean(samples[-q:]) - statistics.mean(samples[:q])) / 1e6, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=120, help="load duration")
    ap.add_argument("--scans", type=int, default=500, help="scans for the RSS soak")
    ap.add_argument("--corrections", type=int, default=100, help="IDs each writer adds")
    ap.add_argument("--only", choices=["load", "corrections", "kill", "rss"], default=None)
    a = ap.parse_args()
    if a.only == "rss" and os.environ.get("_RSS_CHILD"):
        print(json.dumps(rss_soak(a.scans)))
        return
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-rel-") as tmp:
        tmp = Path(tmp)
        if a.only in (None, "load"):
            d = tmp / "load"
            d.mkdir()
            srv = Server(d).start()
            try:
                rss0 = srv.rss()
                out["load"] = load(srv.url, a.seconds)
                out["load"]["server_rss_mb"] = [round(rss0 / 1e6), round(srv.rss() / 1e6)]
            finally:
                srv.stop()
        if a.only in (None, "corrections"):
            d = tmp / "corr"
            d.mkdir()
            env = {**os.environ, "DB_PATH": str(d / "ocr.db"), "OCR_KEY_FILE": str(d / "secret.key")}
            h = subprocess.run([sys.executable, "-c", "import sys; from ocr_core.intake import process_upload; "
                                f"print(process_upload(open({str(DEV / 'pan_000.png')!r}, 'rb').read(), 'p.png')"
                                ".file_hash)"], cwd=ROOT, env=env, capture_output=True, text=True,
                               check=True).stdout.split()[-1]
            res = corrections_race(d, a.corrections, h)
            kept = subprocess.run([sys.executable, "-c", "import sys; from ocr_core.record import view; "
                                   f"v = view.view({h!r}); print(sum(o == 'added' for o in v.origins))"],
                                  cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.split()[-1]
            out["corrections"] = {**res, "kept": int(kept), "lost": 2 * a.corrections - int(kept)}
        if a.only in (None, "kill"):
            d = tmp / "kill"
            d.mkdir()
            out["kill"] = kill_and_restart(d)
        if a.only in (None, "rss"):
            d = tmp / "rss"
            d.mkdir()
            env = {**os.environ, "DB_PATH": str(d / "ocr.db"), "OCR_KEY_FILE": str(d / "secret.key"),
                   "_RSS_CHILD": "1"}
            r = subprocess.run([sys.executable, __file__, "--only", "rss", "--scans", str(a.scans)], cwd=ROOT,
                               env=env, capture_output=True, text=True, check=True)
            out["rss"] = json.loads(r.stdout.strip().splitlines()[-1])
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
