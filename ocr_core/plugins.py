"""Adapters the core reaches by registration, never by name: job backends and CLI commands.

An adapter package (the REST API, the Celery workers, or any other) declares what it offers as
Python entry points in its pyproject.toml; the core looks them up by group and name:

    [project.entry-points."ocr_desk.job_backends"]   # JOB_BACKENDS: a `jobs.JobBackend` class
    celery = "package.module:BackendClass"           # used when a broker URL is configured
    [project.entry-points."ocr_desk.commands"]       # COMMANDS: a `Command` (`ocr-desk NAME ...`)
    api = "package:command"

Where a name is found, first to last:
1. `register(group, name, target)`: injected at run time (an object, or "module:attr"); an
   embedding program or a test that brings its own adapter;
2. the entry points of the installed distributions (`pip install .`, `pip install -e .`);
3. the same tables read from the pyproject.toml of the source checkout this package runs from, when
   the project is not installed (`.venv/bin/python -m ocr_core` in a clone, as the README runs it):
   one declaration either way, and still no adapter named in the core.
"""
from __future__ import annotations

import argparse
import importlib
import threading
import tomllib
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Protocol

JOB_BACKENDS = "ocr_desk.job_backends"
COMMANDS = "ocr_desk.commands"
DISTRIBUTION = "ocr-review-desk"  # the [project] name whose checkout's pyproject.toml is read (3.)

_REGISTERED: dict[str, dict[str, Any]] = {}
_LOCK = threading.Lock()


class Command(Protocol):
    """A CLI command an adapter adds: `ocr-desk NAME [its arguments]`."""

    help: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int | None: ...


class PluginNotFound(LookupError):
    pass


def register(group: str, name: str, target: Any) -> None:
    """Inject an adapter: `target` is the object itself or "module:attr" (loaded when first used).
    It wins over an entry point of the same name."""
    with _LOCK:
        _REGISTERED.setdefault(group, {})[name] = target


def unregister(group: str, name: str) -> None:
    with _LOCK:
        _REGISTERED.get(group, {}).pop(name, None)


@lru_cache(maxsize=1)
def _checkout_tables() -> dict[str, dict[str, str]]:
    """The entry-point tables of the pyproject.toml beside this package, when it is this project's
    source checkout (nothing when installed: site-packages holds no pyproject.toml)."""
    path = Path(__file__).resolve().parents[1] / "pyproject.toml"
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    project = meta.get("project", {})
    return project.get("entry-points", {}) if project.get("name") == DISTRIBUTION else {}


def declared(group: str) -> dict[str, EntryPoint]:
    """The entry points of `group`: the installed distributions', then the checkout's for names
    they lack (2. and 3. above; `register` comes before both)."""
    found = {ep.name: ep for ep in entry_points(group=group)}
    for name, value in _checkout_tables().get(group, {}).items():
        found.setdefault(name, EntryPoint(name, value, group))
    return found


def names(group: str) -> list[str]:
    """Every name registered or declared in `group`, sorted."""
    with _LOCK:
        injected = set(_REGISTERED.get(group, {}))
    return sorted(injected | set(declared(group)))


def _resolve(target: Any) -> Any:
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    obj = importlib.import_module(module.strip())
    for part in filter(None, attr.strip().split(".")):
        obj = getattr(obj, part)
    return obj


def load(group: str, name: str) -> Any:
    """The adapter `name` of `group` (imported now). Raises `PluginNotFound` when nothing is
    registered or declared under that name, ImportError when its package cannot be imported."""
    with _LOCK:
        target = _REGISTERED.get(group, {}).get(name)
    if target is not None:
        return _resolve(target)
    ep = declared(group).get(name)
    if ep is None:
        raise PluginNotFound(f"no {group!r} adapter named {name!r} is registered (declared: "
                             f"{', '.join(names(group)) or 'none'}); install the project (pip install .) or run "
                             "it from its checkout, or call ocr_core.plugins.register")
    return ep.load()
