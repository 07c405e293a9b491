"""The core's import graph has no cycle: every module of `ocr_core` and what it imports from
`ocr_core` (module-level imports and imports inside functions alike, read from the source with
`ast`), searched for a ring. A package import (``from . import x`` of a package) counts as an
import of the package's ``__init__``."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = "ocr_core"


def _modules() -> dict[str, Path]:
    out = {}
    for p in (ROOT / PKG).rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` is, or the nearest package above it that is one of ours."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, set[str]]:
    """module -> the `ocr_core` modules it imports (anywhere in its source)."""
    modules = _modules()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        is_pkg = path.name == "__init__.py"
        package = mod if is_pkg else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[:len(base) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
            for t in targets:
                got = _resolve(t, modules)
                if got is not None and got != mod:
                    edges[mod].add(got)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read():
    """The reader sees real edges (a test of the test): the record package's modules import its repository."""
    edges = graph()
    assert "ocr_core.record.repository" in edges
    assert "ocr_core.record.repository" in edges["ocr_core.record.views"]
    assert "ocr_core.store" in edges["ocr_core.auditlog"]


def test_a_ring_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_the_core():
    assert cycles(graph()) == []


# ---------------------------------------------------------------- module size
MAX_LINES = 400  # the project's rule: a module longer than this is split by responsibility


def too_long(root: Path = ROOT / PKG, limit: int = MAX_LINES) -> dict[str, int]:
    """The modules under `root` longer than `limit` lines, with their length."""
    out = {}
    for p in sorted(root.rglob("*.py")):
        n = len(p.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out[str(p.relative_to(root.parent))] = n
    return out


def test_no_core_module_is_over_400_lines():
    assert too_long() == {}


def test_a_long_module_is_found(tmp_path):
    """A test of the test: a module one line over the limit is reported, one at the limit is not."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "ok.py").write_text("x = 1\n" * MAX_LINES)
    (pkg / "sub" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert too_long(pkg) == {"pkg/sub/long.py": MAX_LINES + 1}


def test_the_jobs_package_is_split_and_keeps_its_interface():
    """The job modules import each other one way (model <- table <- backend <- embedded <- select),
    and the names the adapters use are the package's."""
    edges = graph()
    j = "ocr_core.jobs"
    assert edges[f"{j}.model"] & {f"{j}.table", f"{j}.backend", f"{j}.embedded", f"{j}.select", j} == set()
    assert f"{j}.model" in edges[f"{j}.table"] and f"{j}.table" in edges[f"{j}.backend"]
    assert f"{j}.backend" in edges[f"{j}.embedded"] and f"{j}.embedded" in edges[f"{j}.select"]
    assert j not in edges[f"{j}.table"] | edges[f"{j}.backend"] | edges[f"{j}.embedded"] | edges[f"{j}.select"]
    from ocr_core import jobs

    for name in ("Job", "JobStore", "JobBackend", "EmbeddedBackend", "RETRY_POLICY", "get_backend", "reset_backends",
                 "queue_backend", "forget_queued", "submission", "run_attempt"):
        assert name in jobs.__all__ and getattr(jobs, name) is not None
