"""The project installs as a package (pyproject.toml): `pip install .` gives the `ocr-desk` command,
which scans from any folder with nothing of the repository on the path."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ocr_core", "ocr_api", "ocr_worker")


def test_pyproject_declares_the_console_script_and_the_packages():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["scripts"] == {"ocr-desk": "ocr_core.cli:main"}
    assert meta["tool"]["setuptools"]["packages"]["find"]["include"] == [f"{p}*" for p in PACKAGES]
    names = {d.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
             for d in meta["project"]["dependencies"]}
    pinned = {ln.split("==")[0].split("[")[0].strip().lower() for ln in (ROOT / "requirements.txt").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")}
    assert names == pinned  # one list of what the code needs, pinned in requirements.txt


def test_installed_ocr_desk_scans_from_another_folder(tmp_path, fixtures_dir):
    src, target, elsewhere = tmp_path / "src", tmp_path / "site", tmp_path / "elsewhere"
    src.mkdir()
    for name in PACKAGES:
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src)
    # offline: the build tools of this environment (setuptools, wheel), no dependencies (already here)
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                        "--target", str(target), str(src)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    script = target / "bin" / "ocr-desk"
    assert script.exists()
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DB_PATH", "OCR_KEY_FILE")}
    env.update(PYTHONPATH=str(target), PYTHONSAFEPATH="1")
    run = dict(cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)

    where = subprocess.run([sys.executable, "-c", "import ocr_core, ocr_api, ocr_worker; print(ocr_core.__file__)"],
                           **run)
    assert where.stdout.strip() == str(target / "ocr_core" / "__init__.py"), where.stderr

    # installed, the adapters are found as entry points of the distribution (no pyproject.toml beside it)
    found = subprocess.run([sys.executable, "-c", "from ocr_core import plugins as p\n"
                            "for g in (p.JOB_BACKENDS, p.COMMANDS):\n"
                            "    for n, ep in sorted(p.declared(g).items()):\n"
                            "        print(g, n, ep.dist.name if ep.dist else None, p.load(g, n).__module__)"], **run)
    assert found.stdout.split("\n")[:3] == [
        "ocr_desk.job_backends celery ocr-review-desk ocr_worker.jobs_celery",
        "ocr_desk.commands api ocr-review-desk ocr_api", "ocr_desk.commands worker ocr-review-desk ocr_worker"], \
        found.stderr[-3000:]
    desk = subprocess.run([str(script), "--help"], **run).stdout
    module = subprocess.run([sys.executable, "-m", "ocr_core", "--help"], **run).stdout
    assert desk.startswith("usage: ocr-desk ") and module.startswith("usage: python -m ocr_core ")
    from ocr_core.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.dest == "command").choices  # noqa: SLF001
    assert "{" + ",".join(commands) + "}" in desk and {"scan", "batch", "api", "worker"} <= set(commands)
    # the same commands either way (the usage lines wrap by the program name's length)
    assert desk.split("OCR Review Desk commands", 1)[1] == module.split("OCR Review Desk commands", 1)[1]

    p = subprocess.run([str(script), "scan", str(fixtures_dir / "gst_text.pdf")], **run)
    assert p.returncode == 0, p.stderr[-3000:]
    out = json.loads(p.stdout.splitlines()[0])
    assert out["filename"] == "gst_text.pdf" and out["document_type"] == "GSTIN"
    assert (elsewhere / "data" / "ocr.db").exists()  # runtime data in the working folder, as documented
