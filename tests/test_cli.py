"""`python -m ocr_core scan`: one JSON result per line; a bad file is a one-line error, the rest go on.
`export` and `delete`: the reviewed documents out, every copy of a document gone."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "ocr_core", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=300)


def test_scan_prints_json_lines_and_reports_bad_files(fixtures_dir, tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("this is not a picture")
    p = run_cli("scan", str(fixtures_dir / "gst_text.pdf"), str(bad), str(fixtures_dir / "aadhaar_masked.png"),
                env_extra={"DB_PATH": str(tmp_path / "cli.db"), "OCR_KEY_FILE": str(tmp_path / "k")})
    assert p.returncode == 1
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert [o["filename"] for o in out] == ["gst_text.pdf", "aadhaar_masked.png"]
    assert out[0]["document_type"] == "GSTIN" and out[1]["document_ids"]["AADHAAR_MASKED"] == ["XXXXXXXX4821"]
    err_lines = [ln for ln in p.stderr.splitlines() if not ln.startswith("{")]
    assert err_lines == [f"{bad}: error: Unsupported file: its content is not an image or PDF. "
                         "Supported: JPEG, PNG, TIFF, WebP and BMP images, and PDF."]
    # structured logs on stderr: JSON lines, no full IDs
    logs = [json.loads(ln) for ln in p.stderr.splitlines() if ln.startswith("{")]
    assert logs and all("level" in rec and "msg" in rec for rec in logs)


def test_scan_exit_zero_on_success(fixtures_dir, tmp_path):
    p = run_cli("scan", "--no-cache", str(fixtures_dir / "gst_text.pdf"),
                env_extra={"DB_PATH": str(tmp_path / "cli.db"), "OCR_KEY_FILE": str(tmp_path / "k")})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["cached"] is False


def test_export_and_delete_commands(settings, engine, dev_dir, tmp_path):
    """`export` writes the reviewed documents (corrections and decision, masked); `delete` removes
    every copy and says which hashes it did not know."""
    import csv

    from ocr_core.record import corrections, decisions, trail, view
    from ocr_core.intake import process_upload

    pan = process_upload((dev_dir / "pan_000.png").read_bytes(), "pan.png").file_hash
    aadhaar = process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "aadhaar.png").file_hash
    corrections.save_corrections(pan, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha",
                            fields={"name": "Asha  Kulkarni"})  # an ID and a named field
    decisions.set_status(pan, "approved", "ravi")  # four eyes: not the one who corrected
    env = {"DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file)}
    p = run_cli("export", "--status", "approved", "--out", str(tmp_path / "out.csv"), env_extra=env)
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert [(r["file_hash"], r["PAN"], r["name"], r["review_status"], r["reviewed_by"], r["n_corrections"])
            for r in rows] == [(pan, "ABCPK1234Z", "Asha Kulkarni", "approved", "ravi", "2")]
    p = run_cli("export", "--since", "2000-01-01", "--out", str(tmp_path / "out.json"), env_extra=env)
    docs = json.loads((tmp_path / "out.json").read_text())
    assert p.returncode == 0 and {d["file_hash"] for d in docs} == {pan, aadhaar}
    named = next(d for d in docs if d["file_hash"] == pan)["fields"]["name"]
    assert (named["value"], named["origin"], named["source"]) == ("Asha Kulkarni", "edited", "operator")
    full = next(i.value for i in view.view(aadhaar).result.ids if i.type == "AADHAAR")
    assert full not in (tmp_path / "out.json").read_text()  # masked
    assert run_cli("export", "--since", "last week", "--out", str(tmp_path / "x.csv"), env_extra=env).returncode == 2
    p = run_cli("delete", pan, "f" * 64, "--operator", "ravi", env_extra=env)
    assert p.returncode == 1  # one hash was unknown
    assert [json.loads(x) for x in p.stdout.splitlines()] == [{"file_hash": pan, "deleted": True},
                                                             {"file_hash": "f" * 64, "deleted": False}]
    assert view.view(pan) is None and view.view(aadhaar) is not None
    assert [(a["action"], a["operator"]) for a in trail.audit_rows(pan)][0] == ("delete", "ravi")  # newest first
