"""Bulk throughput of the embedded job pool with 1 and 2 workers, and RSS over many documents.

By hand: `.venv/bin/python bench/bench_jobs.py [--docs 20] [--rss-docs 200] [--rss-unique 40]`.
Each run gets a fresh database (no cache hits in the throughput runs). Numbers depend on what
else the machine is running; report them with the machine's core count.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OCR_CACHE_DIR", str(ROOT / "data" / "models"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
DEV = ROOT.parent / "shared" / "data" / "dev"


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fresh_settings(tag: str):
    from ocr_core import store
    from ocr_core.config import get_settings

    d = tempfile.mkdtemp(prefix=f"bench-{tag}-")
    os.environ["DB_PATH"] = f"{d}/ocr.db"
    os.environ["OCR_KEY_FILE"] = f"{d}/secret.key"
    store.close_all()
    get_settings.cache_clear()
    return get_settings()


def docs(n: int) -> list[Path]:
    imgs = sorted(p for p in DEV.iterdir() if p.suffix in (".png", ".jpg"))
    return imgs[:n]


def run(workers: int, paths: list[Path]) -> float:
    from ocr_core.jobs import EmbeddedBackend

    be = EmbeddedBackend(fresh_settings(f"w{workers}"), workers=workers)
    t0 = time.perf_counter()
    ids = [be.submit(p.read_bytes(), p.name, batch_id="bench").id for p in paths]
    done = be.wait(ids, timeout=3600)
    dt = time.perf_counter() - t0
    be.shutdown()
    assert all(j.status == "SUCCESS" for j in done), [j.error for j in done if j.status != "SUCCESS"]
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--rss-docs", type=int, default=200)
    ap.add_argument("--rss-unique", type=int, default=40, help="distinct files; the rest are re-submits (cache)")
    a = ap.parse_args()
    from ocr_core.engines import get_engine
    from ocr_core.logs import configure_logging

    configure_logging("WARNING")
    get_engine("paddleocr", "en")  # load the model outside the timings
    paths = docs(a.docs)
    t1 = run(1, paths)
    t2 = run(2, paths)
    print(f"throughput: {len(paths)} docs, 1 worker {t1:.1f} s ({len(paths) / t1:.2f} docs/s), "
          f"2 workers {t2:.1f} s ({len(paths) / t2:.2f} docs/s), ratio {t1 / t2:.2f}x, cores {os.cpu_count()}",
          flush=True)

    from ocr_core.jobs import EmbeddedBackend

    be = EmbeddedBackend(fresh_settings("rss"), workers=2)
    unique = docs(a.rss_unique)
    samples = []
    for i in range(a.rss_docs):
        p = unique[i % len(unique)]
        j = be.submit(p.read_bytes(), p.name, batch_id=f"rss-{i // len(unique)}")
        be.wait([j.id], timeout=600)
        if i + 1 in (20, a.rss_docs // 2, a.rss_docs) or (i + 1) % 50 == 0:
            samples.append((i + 1, rss_mb()))
    be.shutdown()
    warm = samples[0][1]
    print("rss MB after n docs: " + ", ".join(f"{n}: {m:.0f}" for n, m in samples))
    print(f"rss growth after warm-up (20 docs -> {a.rss_docs}): {samples[-1][1] - warm:+.1f} MB "
          f"({a.rss_unique} distinct files, the rest served from the cache)")


if __name__ == "__main__":
    main()
