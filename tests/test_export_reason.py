"""The rejection reason in both CSV exports (the bulk page's and `python -m ocr_core export`), not in
the JSON only. Documents written out here (no OCR: the scanned path is in tests/test_batch.py), a
real SQLite file, the real CLI entry point (in-process)."""
from __future__ import annotations

import csv
import io

from ocr_core import batch, cli
from ocr_core.record import decisions, keeping
from ocr_core.jobs import SUCCESS, Job
from ocr_core.models import DetectedID, DocumentResult, Field


def _keep(file_hash: str, name: str) -> None:
    keeping.keep(DocumentResult(filename=name, file_hash=file_hash, pages=[], document_type="PAN",
                                ids=[DetectedID("PAN", "ABCPK1234Z", True, 0.99, key="pan-p1-1")],
                                fields={"name": Field("name", "Ravi Kumar", 0.95)}))


def test_both_csvs_carry_the_review_reason(settings, tmp_path):
    rejected, approved = "a" * 64, "b" * 64
    _keep(rejected, "blurred_pan.png")
    _keep(approved, "good_pan.png")
    decisions.set_status(rejected, "rejected", "asha", reason="photo is blurred, ask for a new scan")
    decisions.set_status(approved, "approved", "asha")
    # the bulk page's CSV (one row per document)
    jobs = [Job(f"j{n}", name, h, SUCCESS, None, created_at=1.0)
            for n, (name, h) in enumerate((("blurred_pan.png", rejected), ("good_pan.png", approved)))]
    bulk = list(csv.DictReader(io.StringIO(batch.to_csv(batch.document_rows(jobs), batch.doc_columns()).decode())))
    by = {r["filename"]: r for r in bulk}
    assert by["blurred_pan.png"]["review_reason"] == "photo is blurred, ask for a new scan"
    assert by["good_pan.png"]["review_reason"] == ""  # no reason: empty, not "None"
    # `python -m ocr_core export`
    out = tmp_path / "out.csv"
    assert cli.main(["export", "--out", str(out)]) == 0
    by = {r["filename"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert by["blurred_pan.png"]["review_status"] == "rejected"
    assert by["blurred_pan.png"]["review_reason"] == "photo is blurred, ask for a new scan"
    assert by["good_pan.png"]["review_reason"] == ""
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header.index("review_reason") == header.index("review_status") + 1
