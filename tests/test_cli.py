"""`python -m ocr_core scan`: one JSON result per line; a bad file is a one-line error, the rest go on."""
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
