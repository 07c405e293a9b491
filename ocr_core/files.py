"""Content-addressed store of uploaded files, encrypted at rest, under the data folder.

Files are named by their sha256, never by the uploaded name, so no upload can be written outside
``<data>/files``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from . import crypto
from .config import Settings, get_settings

_HASH = re.compile(r"^[0-9a-f]{64}$")


def files_dir(settings: Settings | None = None) -> Path:
    """``files`` next to the database (settings.db_path)."""
    return Path((settings or get_settings()).db_path).parent / "files"


def _path(file_hash: str, settings: Settings | None = None) -> Path:
    if not _HASH.match(file_hash):
        raise ValueError("not a sha256 file hash")
    return files_dir(settings) / file_hash[:2] / file_hash


def put(file_hash: str, data: bytes, settings: Settings | None = None) -> Path:
    p = _path(file_hash, settings)
    if p.exists():
        return p
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.{os.getpid()}")
    tmp.write_bytes(crypto.fernet().encrypt(data))
    os.chmod(tmp, 0o600)
    os.replace(tmp, p)
    return p


def get(file_hash: str, settings: Settings | None = None) -> bytes | None:
    p = _path(file_hash, settings)
    if not p.exists():
        return None
    return crypto.fernet().decrypt(p.read_bytes())


def exists(file_hash: str, settings: Settings | None = None) -> bool:
    return _path(file_hash, settings).exists()


def delete(file_hash: str, settings: Settings | None = None) -> bool:
    p = _path(file_hash, settings)
    if p.exists():
        p.unlink()
        return True
    return False
