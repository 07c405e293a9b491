"""Accuracy on labelled documents: ID recall and precision, document-type accuracy (per document and
per page), and checksum-invalid numbers reported valid; per ID type, per document type, clean
against degraded.

    python bench/eval_accuracy.py FOLDER [FOLDER...] [--json out.json] [--ocr-cache DIR]

A FOLDER holds documents with `<name>.gt.json` beside each (the dev set's format, see
../shared/data/dev/README.md, or what `bench/unseen.py` writes). The engine's reading of each page
is kept in `--ocr-cache` (default `data/bench-ocr/`, keyed by the page image and engine version),
so changing extraction or classification re-evaluates in seconds; the pipeline after OCR
(`pipeline.document_from_pages`) is the one `scan()` runs. Each FOLDER is a row named by the folder
(`parent/folder` where two share a name, e.g. the `tune` parts of two generators).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".pdf")


def truth_path(p: Path) -> Path:
    return p.with_name(p.name.rsplit(".", 1)[0] + ".gt.json")


def independent_invalid(id_type: str, value: str) -> bool:
    """True when a value fails its published checksum (checked here with python-stdnum and the
    ICAO 9303 digits, independently of `ocr_core.ids`)."""
    from stdnum.in_ import aadhaar, epic, gstin, pan, vid

    from ocr_core.idtypes import GST_EXTRA_STATE_CODES, mrz_check_digit

    mods = {"AADHAAR": aadhaar, "VID": vid, "PAN": pan, "EPIC": epic}
    if id_type in mods:
        return not mods[id_type].is_valid(value)
    if id_type == "GSTIN":
        return not (gstin.is_valid(value) or value[:2] in GST_EXTRA_STATE_CODES)
    if id_type == "MRZ":
        l2 = value.split("\n")[-1]
        return len(l2) != 44 or any(mrz_check_digit(l2[a:b]) != l2[b] for a, b in ((0, 9), (13, 19), (21, 27)))
    return False


class Ocr:
    """The engine's reading of page images, memoised on disk."""

    def __init__(self, cache_dir: Path, engine: str | None = None):
        from ocr_core.config import get_settings
        from ocr_core.engines import engine_version

        s = get_settings()
        self.engine_name = engine or s.ocr_engine
        self.version = engine_version(self.engine_name, s.ocr_model_lang) + f"|dpi{s.ocr_dpi}"
        self.dir = cache_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._engine = None
        self.calls = 0

    def key(self, image) -> str:
        """By the page image itself (a PDF saved again with the same pages hits the memo)."""
        h = hashlib.sha256(self.version.encode())
        h.update(str(image.shape).encode())
        h.update(image.tobytes())
        return h.hexdigest()[:32]

    def reader(self, file_hash: str):
        from ocr_core.models import Line
        from ocr_core.pipeline import ocr_page

        def ocr(image):
            key = self.key(image)
            f = self.dir / f"{key}.json"
            if f.exists():
                d = json.loads(f.read_text())
                return [Line.from_dict(x) for x in d["lines"]], d["rotation"]
            if self._engine is None:
                from ocr_core.reread import engine
                self._engine = engine(self.engine_name)
            self.calls += 1
            lines, rot = ocr_page(self._engine, image)
            f.write_text(json.dumps({"lines": [ln.to_dict(unmask=True) for ln in lines], "rotation": rot}))
            return lines, rot
        return ocr


def run_file(path: Path, ocr: Ocr):
    from ocr_core.loader import load_pages
    from ocr_core.pipeline import document_from_pages, read_pages, sha256

    data = path.read_bytes()
    h = sha256(data)
    _, pages_in = load_pages(data)
    return document_from_pages(read_pages(pages_in, ocr.reader(h)), filename=path.name, file_hash=h)


def _want_type(gt: dict) -> str:
    t = gt["document_type"]
    return "UNKNOWN" if t == "NONE" else t


class Tally:
    def __init__(self):
        self.tp = defaultdict(int)
        self.fp = defaultdict(int)
        self.fn = defaultdict(int)
        self.docs = 0
        self.type_ok = 0
        self.pages = 0
        self.page_ok = 0
        self.invalid_valid = 0
        self.by_doc_type = defaultdict(lambda: [0, 0])
        self.errors: list[str] = []

    def add(self, gt: dict, r, name: str) -> None:
        got = r.document_ids(unmask=True)
        self.docs += 1
        for k, want in gt["ids"].items():
            w, g = set(want), set(got.get(k, []))
            self.tp[k] += len(w & g)
            self.fp[k] += len(g - w)
            self.fn[k] += len(w - g)
            if w - g:
                self.errors.append(f"{name}: missed {k} {sorted(w - g)}")
            if g - w:
                self.errors.append(f"{name}: extra {k} {sorted(g - w)}")
        decoys = {v for vs in (gt.get("decoys") or {}).values() for v in vs}
        bad = [i for i in r.ids if i.valid and (i.value in decoys or independent_invalid(i.type, i.value))]
        self.invalid_valid += len(bad)
        for i in bad:
            self.errors.append(f"{name}: INVALID REPORTED VALID {i.type} {i.value}")
        want = _want_type(gt)
        ok = r.document_type == want
        self.type_ok += ok
        self.by_doc_type[want][0] += ok
        self.by_doc_type[want][1] += 1
        if not ok:
            self.errors.append(f"{name}: type {r.document_type} (score {r.document_type_score:.2f}), want {want}")
        page_types = gt.get("page_types")
        if page_types:
            for pg, wt in zip(r.pages, page_types):
                wt = "UNKNOWN" if wt == "NONE" else wt
                got_t = getattr(pg, "document_type", None)
                self.pages += 1
                self.page_ok += got_t == wt
                if got_t != wt:
                    self.errors.append(f"{name}: page {pg.number} type {got_t}, want {wt}")

    def summary(self) -> dict:
        tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        per_type = {k: {"n": self.tp[k] + self.fn[k], "recall": _ratio(self.tp[k], self.tp[k] + self.fn[k]),
                        "precision": _ratio(self.tp[k], self.tp[k] + self.fp[k])}
                    for k in sorted(set(self.tp) | set(self.fn) | set(self.fp)) if self.tp[k] + self.fn[k] + self.fp[k]}
        return {"docs": self.docs, "recall": _ratio(tp, tp + fn), "precision": _ratio(tp, tp + fp),
                "type_accuracy": _ratio(self.type_ok, self.docs),
                "page_type_accuracy": _ratio(self.page_ok, self.pages) if self.pages else None,
                "invalid_reported_valid": self.invalid_valid, "ids": tp + fn,
                "per_id_type": per_type,
                "per_document_type": {k: _ratio(*v) for k, v in sorted(self.by_doc_type.items())}}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(folders: list[Path], ocr: Ocr, verbose: bool = False) -> dict:
    groups: dict[str, Tally] = defaultdict(Tally)
    t0 = time.time()
    names = [f.name for f in folders]
    labels = {f: f.name if names.count(f.name) == 1 else f"{f.parent.name}/{f.name}" for f in folders}
    files = [(p, labels[f]) for f in folders for p in sorted(f.iterdir())
             if p.suffix.lower() in SUFFIXES and truth_path(p).exists()]
    for n, (p, label) in enumerate(files, 1):
        gt = json.loads(truth_path(p).read_text())
        r = run_file(p, ocr)
        state = "clean" if gt.get("degradation", "none") in ("none", None) else "degraded"
        for g in (label, f"{label} {state}"):
            groups[g].add(gt, r, p.name)
        if verbose:
            print(f"[{n}/{len(files)}] {p.name} {r.document_type} ({time.time() - t0:.0f}s, {ocr.calls} OCR calls)",
                  file=sys.stderr, flush=True)
    out = {g: t.summary() for g, t in sorted(groups.items())}
    errors = {g: t.errors for g, t in groups.items() if not g.endswith((" clean", " degraded"))}
    return {"groups": out, "errors": errors}


def table(res: dict) -> str:
    rows = ["| set | docs | ID recall | ID precision | type acc. | page type acc. | invalid reported valid |",
            "|---|---|---|---|---|---|---|"]
    for g, s in res["groups"].items():
        rows.append(f"| {g} | {s['docs']} | {s['recall']} | {s['precision']} | {s['type_accuracy']} | "
                    f"{s['page_type_accuracy'] if s['page_type_accuracy'] is not None else '-'} | "
                    f"{s['invalid_reported_valid']} |")
    rows.append("")
    rows.append("| set | per ID type: recall / precision (n) | per document type: accuracy |")
    rows.append("|---|---|---|")
    for g, s in res["groups"].items():
        ids = ", ".join(f"{k} {v['recall']}/{v['precision']} ({v['n']})" for k, v in s["per_id_type"].items())
        dts = ", ".join(f"{k} {v}" for k, v in s["per_document_type"].items())
        rows.append(f"| {g} | {ids} | {dts} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--json", type=Path, help="write the full result (with every error) here")
    ap.add_argument("--ocr-cache", type=Path, default=ROOT / "data" / "bench-ocr")
    ap.add_argument("--errors", action="store_true", help="print every miss, extra and wrong type")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
    res = evaluate(args.folders, Ocr(args.ocr_cache), verbose=args.verbose)
    print(table(res))
    if args.errors:
        for g, errs in res["errors"].items():
            print(f"\n## {g}")
            print("\n".join(errs) or "(none)")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
