"""Named-field accuracy: per document type and field, the exact-match rate on the dev set (all
documents, clean ones and degraded ones) and on sets with layouts the dev generator never made; and per
set the silent error rate and the invented values (`bench/silent.py`).

    python bench/eval_fields.py [--dev DIR] [--unseen DIR] [--memo DIR | --ocr-cache DIR] [--misses]
                                [--silent-examples]

Each folder holds documents with `<name>.gt.json` beside them (`document_type`, `fields`,
`degradation`). A document is scanned by `ocr_core.scan` (its own database in a temporary folder)
and the fields come from the type the pipeline found, so a misclassified document counts its
fields as misses. `--memo DIR` keeps each scan result as JSON and re-extracts the fields from the
stored pages on the next run (the OCR is what takes time, not the rules). `--ocr-cache DIR` keeps
the engine's reading of each page image (and its Devanagari re-read) instead, in the same memo as
`bench/eval_accuracy.py --ocr-cache`, and re-runs everything after OCR (IDs, types, quality,
fields) as `scan()` does, so a change to the ID or type rules is measured too (the Aadhaar QR is
not read in this mode). `--unseen` may be given more than once (a `tune` and an `unseen` part of
`bench/unseen.py`), each column named by its folder (`parent/folder` where two share a name);
`--no-dev` leaves the dev set out. A key whose
truth is null counts as right when no value is reported. Values are compared with spacing
normalised and case ignored (the truth of some sets holds a name in title case where the card
prints capitals); dates in the truth (DD/MM/YYYY) are compared as YYYY-MM-DD. Multi-document bundles (`MIXED`) and
distractors (`NONE`) have no fields to score and are left out (of the silent error rate too).

The silent error rate: of every wrong or missing ID and field, the share on documents that were not
flagged for a person (flagged: `needs_review`, or `attention` non-empty, by the result's own word or
else by `ocr_core.record.repository.attention`; a single value shown `valid: false` is flagged too). Invented
values: a field returned valid where the truth has none (e.g. a name on a card that prints none).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SUFFIXES = (".png", ".jpg", ".jpeg", ".pdf")


def _iso(v: str | None) -> str | None:
    if v is None:
        return None
    return re.sub(r"^(\d\d)/(\d\d)/(\d{4})$", r"\3-\2-\1", v.strip())


def _norm(v: str | None) -> str | None:
    return None if v is None else re.sub(r"\s+", " ", v).strip().casefold()


def documents(folder: Path) -> list[tuple[Path, dict]]:
    out = []
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() not in SUFFIXES:
            continue
        gt_path = p.with_name(p.name.rsplit(".", 1)[0] + ".gt.json")
        if not gt_path.exists():
            continue
        gt = json.loads(gt_path.read_text())
        if gt.get("document_type") in (None, "NONE", "MIXED"):
            continue
        out.append((p, gt))
    return out


def result_cached(path: Path, ocr_cache: Path):
    """Like `scan()` after OCR, on the engine's memoised reading of each page."""
    sys.path.insert(0, str(ROOT / "bench"))
    from eval_accuracy import Ocr

    from ocr_core.loader import load_pages
    from ocr_core.models import Line
    from ocr_core.pipeline import PIPELINE_VERSION, devanagari_lines, document_from_pages, read_pages, rotate, sha256

    global _OCR
    if _OCR is None or _OCR.dir != ocr_cache:
        _OCR = Ocr(ocr_cache)
    data = path.read_bytes()
    h = sha256(data)
    _, pages_in = load_pages(data)
    read = _OCR.reader(h)
    deva: list[list[Line]] = []

    def ocr(image):
        lines, rot = read(image)
        f = _OCR.dir / f"{_OCR.key(image)}.deva{PIPELINE_VERSION}.json"
        if f.exists():
            deva.append([Line.from_dict(x) for x in json.loads(f.read_text())])
        else:
            got = devanagari_lines(lines, rotate(image, rot) if rot else image)
            f.write_text(json.dumps([ln.to_dict(unmask=True) for ln in got], ensure_ascii=False))
            deva.append(got)
        return lines, rot

    pages = read_pages(pages_in, ocr, read)  # pictures on text-layer pages: no Devanagari re-read (as scan)
    numbers = [pg.number for pg in pages if pg.source == "ocr"]
    return document_from_pages(pages, devanagari=dict(zip(numbers, deva)), filename=path.name, file_hash=h)


_OCR = None


def result_for(path: Path, memo: Path | None, ocr_cache: Path | None = None):
    from ocr_core import scan
    from ocr_core.fields import extract_fields
    from ocr_core.fields.bundle import bundle_fields
    from ocr_core.models import MIXED, DocumentResult

    if ocr_cache is not None:
        return result_cached(path, ocr_cache)
    m = memo / f"{path.parent.name}__{path.name}.json" if memo else None
    if m is not None and m.exists():
        r = DocumentResult.from_dict(json.loads(m.read_text()))
        r.fields = bundle_fields(r.pages, r.ids) if r.document_type == MIXED else \
            extract_fields(r.document_type, r.pages, r.ids)  # the rules as they are now
        return r
    r = scan(path, use_cache=False)
    if m is not None:
        m.write_text(json.dumps(r.to_dict(unmask=True), ensure_ascii=False))
    return r


def score(docs: list[tuple[Path, dict]], memo: Path | None, misses: bool,
          ocr_cache: Path | None = None, silent: dict | None = None) -> dict[tuple[str, str], dict[str, list[int]]]:
    """(type, key) -> {"all": [right, n], "clean": [right, n], "degraded": [right, n]}; with `silent`
    (a dict), the silent error tallies (`bench/silent.py`) of "all", "clean" and "degraded" go there."""
    from silent import Silent

    from ocr_core.fields import field_keys

    table: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(
        lambda: {"all": [0, 0], "clean": [0, 0], "degraded": [0, 0]})
    if silent is not None:
        silent.update({k: Silent() for k in ("all", "clean", "degraded")})
    for path, gt in docs:
        r = result_for(path, memo, ocr_cache)
        t = gt["document_type"]
        state = "clean" if gt.get("degradation", "none") in ("none", None) else "degraded"
        got = {k: f.value for k, f in r.fields.items()} if r.document_type == t else {}
        for key in field_keys(t):
            if key not in gt.get("fields", {}):
                continue
            want = _iso(gt["fields"][key])
            ok = _norm(got.get(key)) == _norm(want)
            for part in ("all", state):
                table[(t, key)][part][0] += ok
                table[(t, key)][part][1] += 1
            if misses and not ok:
                print(f"  miss {path.name} {key}: want {want!r} got {got.get(key)!r}", file=sys.stderr)
        if silent is not None:
            d = r.to_dict(unmask=True)
            for part in ("all", state):
                silent[part].add(path.name, d, gt, field_keys(t))
        print(f"{path.name}: {r.document_type}", file=sys.stderr, flush=True)
    return table


def _cell(v: list[int] | None) -> str:
    if not v or not v[1]:
        return "-"
    return f"{v[0] / v[1]:.2f} ({v[0]}/{v[1]})"


def render(tables: dict[str, dict]) -> str:
    keys = sorted({k for t in tables.values() for k in t})
    cols = [(name, part) for name in tables for part in ("all", "clean", "degraded")]
    head = "| type | field | " + " | ".join(f"{n} {p}" for n, p in cols) + " |"
    rows = [head, "|" + "---|" * (2 + len(cols))]
    for k in keys:
        rows.append(f"| {k[0]} | {k[1]} | " + " | ".join(_cell(tables[n].get(k, {}).get(p)) for n, p in cols) + " |")
    return "\n".join(rows)


def render_silent(silent: dict[str, dict], examples: bool = False) -> str:
    from silent import HEAD

    rows = [HEAD]
    for name, parts in silent.items():
        rows += [parts[p].row(f"{name} {p}") for p in ("all", "clean", "degraded")]
    if examples:
        for name, parts in silent.items():
            rows += ["", f"silent errors, {name}:"] + [f"  {e}" for e in parts["all"].examples]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", type=Path, default=SHARED / "dev")
    ap.add_argument("--unseen", type=Path, action="append", default=[],
                    help="a folder of documents in layouts the dev set lacks (again for more; columns by folder name)")
    ap.add_argument("--no-dev", action="store_true", help="leave the dev set out")
    ap.add_argument("--memo", type=Path, default=None, help="keep scan results here and reuse them")
    ap.add_argument("--memo-only", action="store_true", help="score only the documents already in --memo")
    ap.add_argument("--ocr-cache", type=Path, default=None,
                    help="memoise the engine's page readings here (shared with eval_accuracy.py) and re-run the rest")
    ap.add_argument("--misses", action="store_true", help="print every miss on stderr")
    ap.add_argument("--silent-examples", action="store_true", help="list every silent error after the tables")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ocr-fields-"))
    os.environ["DB_PATH"] = str(tmp / "bench.db")
    os.environ["OCR_KEY_FILE"] = str(tmp / "key")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    if args.memo:
        args.memo.mkdir(parents=True, exist_ok=True)
    tables = {}
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
    names = [f.name for f in args.unseen]
    sets = ([] if args.no_dev else [("dev", args.dev)]) + [
        ("unseen" if len(args.unseen) == 1 else f.name if names.count(f.name) == 1 else f"{f.parent.name}/{f.name}", f)
        for f in args.unseen]
    silent: dict[str, dict] = {}
    for name, folder in sets:
        if not folder.is_dir():
            raise SystemExit(f"no such folder: {folder}")
        docs = documents(folder)
        if args.memo_only and args.memo:
            docs = [(p, gt) for p, gt in docs if (args.memo / f"{p.parent.name}__{p.name}.json").exists()]
        silent[name] = {}
        tables[name] = score(docs, args.memo, args.misses, args.ocr_cache, silent[name])
    print(render(tables))
    print()
    print(render_silent(silent, args.silent_examples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
