"""Speed and accuracy benchmark, run by hand: `python -m ocr_core.bench [--quick]`.

Everything is measured in one run on the same images, so the ratios hold even though absolute
times on shared machines swing by about 30%:
- `scan` without the cache against a bare `rapidocr` call with its defaults (median per document,
  cards and A4 pages separately), and ID accuracy of both on the dev set;
- a cached repeat against a cold scan;
- text-layer PDF pages per second;
- peak RSS.
It writes its own database in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _dev_truth(path: Path) -> dict:
    return json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".gt.json").read_text())


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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a few images only")
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    os.environ["DB_PATH"] = str(tmp / "bench.db")
    os.environ["OCR_KEY_FILE"] = str(tmp / "key")
    from . import scan
    from .config import get_settings
    from .engines import get_engine
    from .loader import load_pages

    get_settings.cache_clear()
    dev = SHARED / "dev"
    if not dev.is_dir():
        raise SystemExit("the benchmark needs ../shared/data/dev beside the project")
    images = sorted(p for p in dev.iterdir() if p.suffix in (".png", ".jpg"))
    pdfs = sorted(dev.glob("*.pdf"))
    if args.quick:
        images = images[::8]
        pdfs = pdfs[:4]
    ours, base = get_engine("paddleocr"), get_engine("rapidocr")
    from PIL import Image
    import numpy as np

    warm = np.asarray(Image.open(images[0]).convert("RGB"))
    ours.recognize(warm), base.recognize(warm)

    t_scan: dict[str, list[float]] = {"card": [], "a4": []}
    t_bare: dict[str, list[float]] = {"card": [], "a4": []}
    res_ours, res_base = {}, {}
    for p in images + pdfs:
        data = p.read_bytes()
        kind = "card"
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            r = scan(data, filename=p.name, use_cache=False)
            dt_scan = time.perf_counter() - t0
            t0 = time.perf_counter()
            rb = scan(data, filename=p.name, use_cache=False, engine="rapidocr")
            dt_base_scan = time.perf_counter() - t0
            # the bare engine call on the same page images (no loading, no extraction)
            _, pages = load_pages(data)
            imgs = [pg.image for pg in pages if pg.image is not None]
            t0 = time.perf_counter()
            for im in imgs:
                base._ocr(np.ascontiguousarray(im[:, :, ::-1]))
            dt_bare = time.perf_counter() - t0
            if imgs:
                kind = "card" if max(imgs[0].shape[:2]) < 1200 else "a4"
                t_scan[kind].append(dt_scan)
                t_bare[kind].append(dt_bare)
        res_ours[p], res_base[p] = r, rb
        del dt_base_scan

    # cached against cold
    cold, cached = [], []
    for p in images[:10]:
        data = p.read_bytes() + b"\0"  # a new hash: really cold
        t0 = time.perf_counter()
        scan(data, filename=p.name)
        cold.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        r = scan(data, filename=p.name)
        cached.append(time.perf_counter() - t0)
        assert r.cached

    # text-layer PDF pages per second
    tl_pdfs = [p for p in (SHARED / "real" / "pdfplumber").glob("*.pdf")] + list((SHARED / "real" / "irs_forms").glob("*.pdf"))
    tl_pdfs += [p for p in pdfs if "digital" in p.name]
    n_pages, t_tl = 0, 0.0
    for p in tl_pdfs:
        t0 = time.perf_counter()
        try:
            r = scan(p.read_bytes(), filename=p.name, use_cache=False)
        except Exception:
            continue
        t_tl += time.perf_counter() - t0
        n_pages += sum(pg.source == "text_layer" for pg in r.pages)

    clean = {p: r for p, r in res_ours.items() if "_" not in p.stem.split("_", 1)[1]}
    clean_b = {p: r for p, r in res_base.items() if p in clean}
    rows = [
        ("card: scan (no cache) median s", _median(t_scan["card"])),
        ("card: bare rapidocr defaults median s", _median(t_bare["card"])),
        ("card: ratio scan / bare", _median(t_scan["card"]) / _median(t_bare["card"])),
        ("A4: scan (no cache) median s", _median(t_scan["a4"])),
        ("A4: bare rapidocr defaults median s", _median(t_bare["a4"])),
        ("A4: ratio scan / bare", _median(t_scan["a4"]) / _median(t_bare["a4"])),
        ("cold scan median s", _median(cold)),
        ("cached repeat median s", _median(cached)),
        ("cached speed-up (cold / cached)", _median(cold) / _median(cached)),
        ("text-layer PDF pages per second", n_pages / t_tl if t_tl else float("nan")),
        ("peak RSS MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    ]
    print(f"{'measure':45s} value")
    for name, v in rows:
        print(f"{name:45s} {v:.4g}")
    for label, a, b in (("all dev", res_ours, res_base), ("clean dev", clean, clean_b)):
        acc, acc_b = id_accuracy(a), id_accuracy(b)
        print(f"ID accuracy, {label}: ours {json.dumps({k: round(v, 4) for k, v in acc.items()})}")
        print(f"ID accuracy, {label}: rapidocr defaults + same extraction "
              f"{json.dumps({k: round(v, 4) for k, v in acc_b.items()})}")


if __name__ == "__main__":
    main()
