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


def throughput(workers: int, instances: int, threads: int, n_docs: int) -> float:
    """Seconds for n_docs new documents in a child process with this configuration (the engine
    registry is per process, so each configuration gets a process of its own)."""
    import subprocess

    env = {**os.environ, "OCR_ENGINE_INSTANCES": str(instances), "OCR_THREADS": str(threads)}
    out = subprocess.run([sys.executable, __file__, "--child", str(workers), "--docs", str(n_docs)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def child(workers: int, n_docs: int) -> None:
    from ocr_core.engines import get_engine
    from ocr_core.logs import configure_logging

    configure_logging("WARNING")
    eng = get_engine("paddleocr", "en")  # load the model(s) outside the timings
    paths = docs(n_docs)
    from PIL import Image
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor

    img = np.asarray(Image.open(paths[0]).convert("RGB"))
    with ThreadPoolExecutor(workers) as ex:  # create and warm every instance
        list(ex.map(lambda _: eng.recognize(img), range(workers)))
    print(run(workers, paths), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20)
    ap.add_argument("--rss-docs", type=int, default=200)
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.docs)
    t1 = throughput(1, 1, 2, a.docs)
    t2 = throughput(2, 2, 1, a.docs)
    print(f"throughput: {a.docs} new docs; 1 worker, 1 engine x 2 threads {t1:.1f} s ({a.docs / t1:.2f} docs/s); "
          f"2 workers, 2 engines x 1 thread {t2:.1f} s ({a.docs / t2:.2f} docs/s); ratio {t1 / t2:.2f}x; "
          f"cores {os.cpu_count()}", flush=True)

    from ocr_core.engines import get_engine
    from ocr_core.jobs import EmbeddedBackend
    from ocr_core.logs import configure_logging

    configure_logging("WARNING")
    get_engine("paddleocr", "en")
    be = EmbeddedBackend(fresh_settings("rss"), workers=2)
    pool = docs(100)
    samples = []
    for i in range(a.rss_docs):
        p = pool[i % len(pool)]
        data = p.read_bytes() + i.to_bytes(4, "big")  # trailing bytes: a new file hash, a real OCR each time
        j = be.submit(data, p.name, batch_id="rss")
        be.wait([j.id], timeout=600)
        if i + 1 in (20, a.rss_docs // 2, a.rss_docs) or (i + 1) % 50 == 0:
            samples.append((i + 1, rss_mb()))
    be.shutdown()
    warm = samples[0][1]
    print("rss MB after n docs: " + ", ".join(f"{n}: {m:.0f}" for n, m in samples))
    print(f"rss growth after warm-up (20 docs -> {a.rss_docs}): {samples[-1][1] - warm:+.1f} MB "
          f"({a.rss_docs} distinct files, every one OCR'd)")


if __name__ == "__main__":
    main()
