"""The layer contract (pyproject.toml, [tool.importlinter]) holds: the desk, the API and the workers
import the core, never the other way, and the core imports no web, UI or queue framework. The
second test shows the check can fail: a copy of the packages with one forbidden import breaks it."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("ocr_core", "ocr_api", "ocr_worker", "ui", "pages")


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)})


def test_the_layer_contract_is_kept():
    p = lint(ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "3 kept, 0 broken" in p.stdout


def test_a_framework_import_in_the_core_breaks_the_contract(tmp_path):
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    privacy = tmp_path / "ocr_core" / "privacy.py"
    privacy.write_text(privacy.read_text() + "\n\ndef _leak():\n    import streamlit  # noqa: F401\n")
    core_to_api = tmp_path / "ocr_core" / "intake.py"
    core_to_api.write_text(core_to_api.read_text() + "\nfrom ocr_api import errors as _e  # noqa: E402,F401\n")
    p = lint(tmp_path)
    assert p.returncode != 0
    assert "0 kept, 3 broken" in p.stdout, p.stdout
    assert "ocr_core.privacy -> streamlit" in p.stdout, p.stdout  # the forbidden framework
    assert "ocr_core.intake -> ocr_api.errors" in p.stdout, p.stdout  # the core importing an adapter


def test_importing_every_core_module_loads_no_framework():
    code = ("import importlib, pkgutil, sys, ocr_core\n"
            "for m in pkgutil.walk_packages(ocr_core.__path__, 'ocr_core.'):\n"
            "    if m.name != 'ocr_core.__main__':\n"
            "        importlib.import_module(m.name)\n"
            "print(sorted({n.split('.')[0] for n in sys.modules}))")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    loaded = set(eval(p.stdout.strip().splitlines()[-1]))  # noqa: S307 - our own subprocess's list
    assert "ocr_core" in loaded
    assert not loaded & {"fastapi", "starlette", "uvicorn", "streamlit", "celery", "kombu", "redis"}


def _imported_modules(path: Path, package: str) -> set[str]:
    """The absolute names of the modules a source file imports (at the top or inside functions)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            mod = ".".join(p for p in (base, node.module or "") if p)
            found.add(mod)
            found |= {f"{mod}.{a.name}" for a in node.names}
    return found


def test_the_engines_know_ocr_not_the_documents(tmp_path):
    """engines/ imports nothing of the documents' rules (ids, classify, fields): what the cascade
    re-reads comes from the policy the pipeline passes (ocr_core.reread)."""
    domain = ("ocr_core.ids", "ocr_core.classify", "ocr_core.fields", "ocr_core.reread", "ocr_core.pipeline")
    sources = sorted((ROOT / "ocr_core" / "engines").glob("*.py"))
    assert len(sources) >= 8
    bad = {f"{p.name} -> {m}" for p in sources for m in _imported_modules(p, "ocr_core.engines")
           if m.startswith(domain)}
    assert not bad, bad
    # the check sees an import inside a function, relative or absolute (what cascade.py had before)
    fake = tmp_path / "probe.py"
    fake.write_text("def f():\n    from ..ids import extract_ids\n    from ..fields.values import find_gender\n")
    got = _imported_modules(fake, "ocr_core.engines")
    assert {"ocr_core.ids.extract_ids", "ocr_core.fields.values"} <= got
