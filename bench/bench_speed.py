"""Speed and accuracy benchmark, run by hand: `python bench/bench_speed.py [--quick]`.

Everything is measured in one run on the same files, interleaved (each round runs every
pipeline once per file), so the ratios hold even though absolute times on a shared machine swing
a lot; report the ratios, the medians and the load average printed with them.
- `scan` without the cache (the default engine, and the `paddleocr` engine) against faster-paddle
  1.0.4 PP-OCRv6 tiny and small (their defaults, fed the same file bytes) and a bare `rapidocr`
  call with its defaults: median seconds per card and per A4 page, and the ratio to faster-paddle
  tiny;
- time per stage of `scan` (load, detect, recognise, extract, classify, store);
- A4 pages per second with 1 and 2 worker processes (each with OCR_THREADS = 2 / workers);
- a cached repeat against a cold scan; text-layer PDF pages per second;
- peak RSS of this process and of the workers; `--rss-scans N`: RSS over N uncached scans;
- ID recall and precision on the dev set (and on `--unseen DIR`, a folder in the dev set's format):
  the default engine against the `paddleocr` engine (`--old`), with the IDs one finds and the
  other loses.
It writes its own database in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import tempfile
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from the checkout: the core beside this folder
    sys.path.insert(0, str(ROOT))

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CARD_MAX_SIDE = 1200  # an image whose longest side is below this counts as a card


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _dev_truth(path: Path) -> dict:
    return json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".gt.json").read_text())


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def id_accuracy(results: dict[Path, "object"]) -> dict[str, float]:
    tp = fp = fn = type_ok = invalid_valid = 0
    for path, r in results.items():
        gt = _dev_truth(path)
        got = r.document_ids(unmask=True)
        decoys = {v for vs in gt.get("decoys", {}).values() for v in vs}
        for k, want in gt["ids"].items():
            w, g = set(want), set(got.get(k, []))
            tp, fp, fn = tp + len(w & g), fp + len(g - w), fn + len(w - g)
        invalid_valid += sum(1 for i in r.ids if i.valid and i.value in decoys)
        want_type = gt["document_type"] if gt["document_type"] != "NONE" else "UNKNOWN"
        type_ok += r.document_type == want_type
    n = len(results)
    return {"docs": n, "recall": tp / max(tp + fn, 1), "precision": tp / max(tp + fp, 1),
            "type_accuracy": type_ok / max(n, 1), "invalid_reported_valid": invalid_valid}


def found_ids(path: Path, result) -> set[tuple[str, str]]:
    """The ground-truth IDs of path that result found."""
    got = result.document_ids(unmask=True)
    return {(k, v) for k, want in _dev_truth(path)["ids"].items() for v in want if v in got.get(k, [])}


def documents(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".png", ".jpg", ".pdf")
                  and p.with_name(p.name.rsplit(".", 1)[0] + ".gt.json").exists())


# ---------------------------------------------------------------- timing
def _page_bytes(data: bytes) -> list[bytes]:
    """The file as faster-paddle and rapidocr take it: the image bytes, or a PDF's pages as PNG."""
    from ocr_core.loader import load_pages

    kind, pages = load_pages(data)
    if kind != "pdf":
        return [data]
    import cv2

    return [cv2.imencode(".png", p.image[:, :, ::-1])[1].tobytes() for p in pages if p.image is not None]


def _size_kind(data: bytes) -> str:
    from ocr_core.loader import load_pages

    _, pages = load_pages(data)
    im = next(p.image for p in pages if p.image is not None)
    return "card" if max(im.shape[:2]) < CARD_MAX_SIDE else "a4"


def timing_table(files: list[Path], repeats: int, default_engine: str, old_engine: str) -> dict:
    import cv2
    import faster_paddle
    import numpy as np

    from ocr_core import scan
    from ocr_core.reread import engine as get_engine  # with the re-read policy

    fp_tiny, fp_small = faster_paddle.OcrEngine(model_size="tiny"), faster_paddle.OcrEngine(model_size="small")
    rapid = get_engine("rapidocr")._all[0]._ocr

    def bare_rapid(pages: list[bytes]) -> None:
        for b in pages:
            rapid(cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR))

    pipelines = {
        f"scan ({default_engine})": lambda data, pages: scan(data, use_cache=False, engine=default_engine),
        f"scan ({old_engine})": lambda data, pages: scan(data, use_cache=False, engine=old_engine),
        "faster-paddle tiny": lambda data, pages: [fp_tiny.ocr(b) for b in pages],
        "faster-paddle small": lambda data, pages: [fp_small.ocr(b) for b in pages],
        "rapidocr defaults (bare)": lambda data, pages: bare_rapid(pages),
    }
    if old_engine == default_engine:
        pipelines.pop(f"scan ({old_engine})")
    inputs = [(p.read_bytes(), _size_kind(p.read_bytes())) for p in files]
    inputs = [(data, _page_bytes(data), kind) for data, kind in inputs]
    for data, pages, _ in inputs[:2]:  # warm every pipeline
        for fn in pipelines.values():
            fn(data, pages)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(repeats):
        for data, pages, kind in inputs:
            for name, fn in pipelines.items():
                t0 = time.perf_counter()
                fn(data, pages)
                times.setdefault((name, kind), []).append(time.perf_counter() - t0)
    table = {}
    for kind in ("card", "a4"):
        base = _median(times.get(("faster-paddle tiny", kind), []))
        small = _median(times.get(("faster-paddle small", kind), []))
        for name in pipelines:
            m = _median(times.get((name, kind), []))
            table[(name, kind)] = (m, m / base if base else float("nan"), m / small if small else float("nan"))
    return {"pipelines": list(pipelines), "table": table, "n": {k: sum(1 for *_, kk in inputs if kk == k)
                                                                  for k in ("card", "a4")}}


STAGES = ("load", "detect", "recognise", "orient", "devanagari", "extract", "classify", "quality", "qr", "store")


def stage_times(files: list[Path], engine_name: str, repeats: int) -> dict[str, float]:
    """Median seconds per document in each stage of the real `scan` (uncached).

    The pipeline's own functions are timed where `scan` calls them (wrapped for this run only):
    load (decode and render, the image measures), detect and recognise (the cascade's tiny pass
    and its small re-reads; one number for an engine that does both in one call), orient (the
    extra readings of a page that looks turned), devanagari (the Hindi re-read), extract (IDs and
    fields), classify, quality, qr (the Aadhaar QR search), store (the cache write and the scan
    log); `other` is the rest of `scan`."""
    from ocr_core import pipeline, store
    from ocr_core.reread import engine as get_engine  # with the re-read policy

    eng = get_engine(engine_name)
    inner = eng._all[0] if hasattr(eng, "_all") else eng
    timers = getattr(inner, "timings", None)
    acc: dict[str, float] = {}
    ocr_calls: list[float] = []

    def timed(stage: str, fn):
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                acc[stage] = acc.get(stage, 0.0) + time.perf_counter() - t0
        return wrapper

    class Timed:  # the engine as ocr_page sees it: each call timed, the first one per page apart
        def recognize(self, image):
            t0 = time.perf_counter()
            out = eng.recognize(image)
            ocr_calls.append(time.perf_counter() - t0)
            return out

    orig_ocr_page = pipeline.ocr_page

    def ocr_page(_engine, image):
        n = len(ocr_calls)
        before = dict(timers) if timers is not None else None
        out = orig_ocr_page(Timed(), image)
        first, rest = ocr_calls[n], sum(ocr_calls[n + 1:])
        if before is not None:
            det = timers["detect"] - before["detect"]
            share = det / max(det + timers["recognise"] - before["recognise"], 1e-9)
            acc["detect"] = acc.get("detect", 0.0) + first * share
            acc["recognise"] = acc.get("recognise", 0.0) + first * (1 - share)
        else:
            acc["detect"] = acc.get("detect", 0.0) + first
        acc["orient"] = acc.get("orient", 0.0) + rest
        return out

    patches = {(pipeline, "load_pages"): "load", (pipeline, "image_measures"): "load",
               (pipeline, "read_devanagari"): "devanagari", (pipeline, "extract_ids"): "extract",
               (pipeline, "extract_fields"): "extract", (pipeline, "classify_pages"): "classify",
               (pipeline, "assess"): "quality", (pipeline, "_read_qr"): "qr", (pipeline, "_record"): "store",
               (store.ResultCache, "put"): "store"}
    saved = {k: getattr(*k) for k in patches}
    stages: dict[str, list[float]] = {k: [] for k in (*STAGES, "other", "total")}
    try:
        for (obj, name), stage in patches.items():
            setattr(obj, name, timed(stage, saved[(obj, name)]))
        pipeline.ocr_page = ocr_page
        for _ in range(repeats):
            for p in files:
                data = p.read_bytes()
                acc.clear()
                t0 = time.perf_counter()
                pipeline.scan(data, filename=p.name, use_cache=False, engine=engine_name)
                total = time.perf_counter() - t0
                for k in STAGES:
                    stages[k].append(acc.get(k, 0.0) if k != "recognise" or timers is not None else float("nan"))
                stages["other"].append(total - sum(acc.values()))
                stages["total"].append(total)
    finally:
        for (obj, name), fn in saved.items():
            setattr(obj, name, fn)
        pipeline.ocr_page = orig_ocr_page
    return {k: _median(v) for k, v in stages.items()}


# ---------------------------------------------------------------- throughput in worker processes
def _worker_init(env: dict[str, str], barrier, warm: bytes) -> None:
    os.environ.update(env)
    from ocr_core import scan
    from ocr_core.config import get_settings

    get_settings.cache_clear()
    scan(warm, use_cache=False)
    barrier.wait()


def _worker_scan(data: bytes) -> tuple[int, float]:
    from ocr_core import scan

    return len(scan(data, use_cache=False).pages), rss_mb()


def pages_per_second(pages: list[bytes], workers: int, threads: int) -> tuple[float, float]:
    """A4 pages per second with `workers` processes, and the largest worker RSS (MB) seen."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers + 1)
    env = {"OCR_THREADS": str(threads), "OCR_ENGINE_INSTANCES": "1", "LOG_LEVEL": "WARNING",
           "DB_PATH": os.environ["DB_PATH"] + f".w{workers}", "OCR_KEY_FILE": os.environ["OCR_KEY_FILE"]}
    with ctx.Pool(workers, initializer=_worker_init, initargs=(env, barrier, pages[0])) as pool:
        barrier.wait()
        t0 = time.perf_counter()
        done = pool.map(_worker_scan, pages, chunksize=1)
        dt = time.perf_counter() - t0
    # each worker's RSS after its scans (ru_maxrss of children would count the parent's pages
    # that a spawned child holds between fork and exec)
    return sum(n for n, _ in done) / dt, max(r for _, r in done)


def cached_vs_cold(files: list[Path]) -> tuple[float, float]:
    from ocr_core import scan

    cold, cached = [], []
    for p in files:
        data = p.read_bytes() + b"\0"  # a new hash: really cold
        t0 = time.perf_counter()
        scan(data, filename=p.name)
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        assert scan(data, filename=p.name).cached
        cached.append(time.perf_counter() - t0)
    return _median(cold), _median(cached)


def text_layer_pages_per_second(files: list[Path]) -> float:
    from ocr_core import scan

    n_pages, dt = 0, 0.0
    for p in files:
        t0 = time.perf_counter()
        try:
            r = scan(p.read_bytes(), filename=p.name, use_cache=False)
        except Exception:
            continue
        dt += time.perf_counter() - t0
        n_pages += sum(pg.source == "text_layer" for pg in r.pages)
    return n_pages / dt if dt else float("nan")


def rss_over_scans(files: list[Path], n: int) -> list[tuple[int, float]]:
    """RSS (MB) after every tenth of n uncached scans cycling over files; the first point is after
    one warm-up round."""
    from ocr_core import scan

    datas = [p.read_bytes() for p in files]
    for d in datas:
        scan(d, use_cache=False)
    points = [(0, rss_mb())]
    step = max(1, n // 10)
    for i in range(1, n + 1):
        scan(datas[i % len(datas)], use_cache=False)
        if i % step == 0 or i == n:
            points.append((i, rss_mb()))
    return points


# ---------------------------------------------------------------- accuracy
def accuracy(folder: Path, engines: list[str]) -> None:
    from ocr_core import scan

    docs = documents(folder)
    results: dict[str, dict] = {e: {} for e in engines}
    for p in docs:
        data = p.read_bytes()
        for e in engines:
            results[e][p] = scan(data, filename=p.name, use_cache=False, engine=e)
    for e in engines:
        acc = id_accuracy(results[e])
        print(f"ID accuracy, {folder.name}, {e}: {json.dumps({k: round(v, 4) for k, v in acc.items()})}")
    if len(engines) == 2:
        a, b = engines
        for x, y in ((a, b), (b, a)):
            lost = [(p.name, k) for p in docs for k, _ in found_ids(p, results[y][p]) - found_ids(p, results[x][p])]
            print(f"  IDs {y} finds and {x} loses: {len(lost)} {lost}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a few files, one repeat, no accuracy on the whole set")
    ap.add_argument("--repeats", type=int, default=3, help="rounds of the interleaved timing")
    ap.add_argument("--old", default="paddleocr", help="the engine the default is compared with")
    ap.add_argument("--unseen", type=Path, help="also measure ID accuracy on this folder (dev-set format)")
    ap.add_argument("--rss-scans", type=int, default=0, help="RSS over this many uncached scans")
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("--no-workers", action="store_true", help="skip the pages-per-second runs")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    os.environ["DB_PATH"] = str(tmp / "bench.db")
    os.environ["OCR_KEY_FILE"] = str(tmp / "key")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from ocr_core.config import get_settings
    from ocr_core.reread import engine as get_engine  # with the re-read policy

    get_settings.cache_clear()
    s = get_settings()
    dev = SHARED / "dev"
    if not dev.is_dir():
        raise SystemExit("the benchmark needs ../shared/data/dev beside the project")
    docs = documents(dev)
    images = [p for p in docs if p.suffix != ".pdf"]
    cards = [p for p in images if _size_kind(p.read_bytes()) == "card"]
    a4 = [p for p in images if _size_kind(p.read_bytes()) == "a4" and "_" not in p.stem.split("_", 1)[1]]
    n = 2 if args.quick else 6
    timed = cards[::max(1, len(cards) // n)][:n] + a4[::max(1, len(a4) // n)][:n]
    repeats = 1 if args.quick else args.repeats
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}, OCR_THREADS={s.ocr_threads}")

    t = timing_table(timed, repeats, s.ocr_engine, args.old)
    print(f"\nmedian seconds per document ({t['n']['card']} cards, {t['n']['a4']} A4 pages, {repeats} rounds); "
          "ratios to faster-paddle tiny (/tiny) and small (/small)")
    print(f"{'pipeline':32s} {'card s':>8s} {'/tiny':>6s} {'/small':>6s} {'A4 s':>8s} {'/tiny':>6s} {'/small':>6s}")
    for name in t["pipelines"]:
        (c, cr, cs), (a, ar, as_) = t["table"][(name, "card")], t["table"][(name, "a4")]
        print(f"{name:32s} {c:8.3f} {cr:6.2f} {cs:6.2f} {a:8.3f} {ar:6.2f} {as_:6.2f}")
    print(f"load average after the timing: {os.getloadavg()}")

    print("\nstage medians, seconds per document (uncached scan; for the cascade detect = the tiny pass,"
          " recognise = the small re-reads; other engines detect and recognise in one call):")
    for eng_name in dict.fromkeys([s.ocr_engine, args.old]):
        for kind, fs in (("card", [p for p in timed if p in cards]), ("A4", [p for p in timed if p in a4])):
            st = stage_times(fs, eng_name, repeats)
            print(f"  {eng_name:10s} {kind:5s}" + " ".join(f"{k} {v:.3f}" for k, v in st.items()))
    inner = get_engine(s.ocr_engine)
    stats = getattr(inner._all[0] if hasattr(inner, "_all") else inner, "stats", None)
    if stats:
        print(f"  {s.ocr_engine} re-reads over this run: {json.dumps(stats)}")

    if not args.no_workers:
        pages = [p.read_bytes() for p in (a4 * 4)[: (4 if args.quick else 12)]]
        print("\nA4 pages per second (uncached scans in worker processes):")
        for workers in (1, 2):
            pps, rss = pages_per_second(pages, workers, max(1, s.ocr_threads // workers))
            print(f"  {workers} worker(s), OCR_THREADS={max(1, s.ocr_threads // workers)}: {pps:.3f} pages/s, "
                  f"worker RSS up to {rss:.0f} MB")

    cold, cached = cached_vs_cold(images[:6])
    print(f"\ncold scan median {cold:.3f} s, cached repeat {cached:.4f} s ({cold / cached:.0f}x)")
    tl = [p for d in ("pdfplumber", "irs_forms") for p in (SHARED / "real" / d).glob("*.pdf")]
    tl += [p for p in docs if "digital" in p.name]
    print(f"text-layer PDF pages per second: {text_layer_pages_per_second(tl):.1f}")

    if args.rss_scans:
        pts = rss_over_scans(cards[:10] + a4[:2], args.rss_scans)
        half = pts[len(pts) // 2][1]
        print(f"\nRSS over {args.rss_scans} uncached scans (MB): " + " ".join(f"{i}:{m:.0f}" for i, m in pts))
        print(f"  growth after warm-up {pts[-1][1] - pts[0][1]:+.1f} MB, over the second half "
              f"{pts[-1][1] - half:+.1f} MB")

    if not args.no_accuracy and not args.quick:
        print()
        engines = [s.ocr_engine] + ([args.old] if args.old != s.ocr_engine else [])
        accuracy(dev, engines)
        if args.unseen:
            accuracy(args.unseen, engines)
    print(f"\npeak RSS of this process {peak_rss_mb():.0f} MB; load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
