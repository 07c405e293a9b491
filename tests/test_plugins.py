"""The core reaches its adapters by registration (ocr_core.plugins), never by name: the job backend
and the CLI's `api`/`worker` commands are entry points declared in pyproject.toml, found from the
checkout (not pip-installed, as the README runs it) and when installed (tests/test_packaging.py),
and an embedding program can inject its own."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from ocr_core import plugins
from ocr_core.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
ADAPTER = re.compile(r"\bocr_(?:api|worker)\b")  # the packages, not a setting like `ocr_api_keys`


def adapter_names(source: str) -> list[str]:
    """Where code (not a docstring or a comment) names an adapter package: an import, a name, an
    attribute, or a string such as "ocr_worker.jobs_celery:CeleryBackend"."""
    tree = ast.parse(source)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
                  and isinstance(n.body[0].value.value, str)}
    hits = []
    for n in ast.walk(tree):
        texts: list[str] = []
        if isinstance(n, ast.Import):
            texts = [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            texts = [n.module or ""]
        elif isinstance(n, ast.Name):
            texts = [n.id]
        elif isinstance(n, ast.Attribute):
            texts = [n.attr]
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings:
            texts = [n.value]
        hits += [f"line {n.lineno}: {t!r}" for t in texts if ADAPTER.search(t)]
    return hits


def test_the_core_names_no_adapter():
    sources = sorted((ROOT / "ocr_core").rglob("*.py"))
    assert len(sources) > 40
    named = {str(p.relative_to(ROOT)): h for p in sources if (h := adapter_names(p.read_text(encoding="utf-8")))}
    assert not named, named


def test_the_check_finds_an_adapter_named_in_code_only():
    assert adapter_names('BACKEND = "ocr_worker.jobs_celery:CeleryBackend"\n')  # what jobs.py had
    assert adapter_names("def f():\n    import ocr_api\n")
    assert adapter_names("from ocr_worker.tasks import scan_file\n")
    assert adapter_names('x = getattr(importlib.import_module("ocr_api"), "serve")\n')  # what cli.py had
    assert not adapter_names('"""Started by `ocr_api`."""\n# ocr_worker too\nkeys = s.ocr_api_keys\n')


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_the_checkout_finds_the_commands_and_the_backend_without_installing():
    """`.venv/bin/python -m ocr_core` in the clone: the same entry points, read from pyproject.toml."""
    try:
        distribution(plugins.DISTRIBUTION)
        installed = True
    except PackageNotFoundError:
        installed = False
    for group, names in ((plugins.COMMANDS, {"api", "worker"}), (plugins.JOB_BACKENDS, {"celery"})):
        eps = plugins.declared(group)
        assert names <= set(eps)
        if not installed:  # found through the checkout's pyproject.toml: no distribution behind them
            assert all(eps[n].dist is None for n in names)
    p = _run("-m", "ocr_core", "worker", "--help")
    assert p.returncode == 0 and "--concurrency" in p.stdout and "--pool" in p.stdout, p.stderr
    p = _run("-m", "ocr_core", "api", "--help")
    assert p.returncode == 0 and "--host" in p.stdout and "--workers" in p.stdout, p.stderr
    p = _run("-c", "from ocr_core.jobs import queue_backend; b = queue_backend(); print(b.__module__, b.__name__)")
    assert p.stdout.split() == ["ocr_worker.jobs_celery", "CeleryBackend"], p.stderr
    # the API's command does what it did: a bad OCR_API_KEYS entry stops it before anything is served
    p = _run("-m", "ocr_core", "api", "--port", "1", OCR_API_KEYS="alice:superuser:k1")  # an unknown role
    assert p.returncode != 0 and "OCR_API_KEYS" in p.stderr, p.stderr[-2000:]


class Echo:
    """A command an embedding program adds (a real one: it parses and prints)."""

    help = "print the words back"

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="+")

    def run(self, args):
        print(" ".join(args.words))
        return 3


def test_an_injected_command_is_parsed_and_run(capsys):
    plugins.register(plugins.COMMANDS, "echo", Echo())
    try:
        commands = next(a for a in build_parser()._actions if a.dest == "command").choices  # noqa: SLF001
        assert {"scan", "api", "worker", "echo"} <= set(commands)
        assert main(["echo", "one", "two"]) == 3
        assert capsys.readouterr().out == "one two\n"
    finally:
        plugins.unregister(plugins.COMMANDS, "echo")
    assert "echo" not in next(a for a in build_parser()._actions if a.dest == "command").choices  # noqa: SLF001


def test_an_injected_job_backend_is_used_with_a_broker_url(settings):
    from ocr_core import jobs

    class LocalQueue(jobs.EmbeddedBackend):  # a real backend (the embedded pool) under the queue's name
        forgotten: list[str] = []

        @staticmethod
        def forget(settings, file_hash, job_ids):
            LocalQueue.forgotten.append(file_hash)

    s = settings.model_copy(update={"celery_broker_url": "redis://127.0.0.1:1/0"})
    plugins.register(plugins.JOB_BACKENDS, jobs.QUEUE_BACKEND, "{}:{}".format(__name__, "LocalQueue"))
    globals()["LocalQueue"] = LocalQueue  # "module:attr" resolves like an entry point's value
    try:
        backend = jobs.get_backend(s)
        assert type(backend) is LocalQueue
        jobs.forget_queued(s, "ab" * 32, [])
        assert LocalQueue.forgotten == ["ab" * 32]
    finally:
        plugins.unregister(plugins.JOB_BACKENDS, jobs.QUEUE_BACKEND)
        jobs.reset_backends()
    assert jobs.queue_backend().__name__ == "CeleryBackend"  # the entry point again
    with pytest.raises(RuntimeError, match="job backend 'nope' cannot be loaded"):
        jobs.queue_backend("nope")
    with pytest.raises(plugins.PluginNotFound, match="declared: celery"):
        plugins.load(plugins.JOB_BACKENDS, "nope")
