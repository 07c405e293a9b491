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
    """Something of this document is stored: its upload or its masked page images."""
    return _path(file_hash, settings).exists() or _masked_dir(file_hash, settings).is_dir()


def delete(file_hash: str, settings: Settings | None = None) -> bool:
    """Remove the stored upload and its masked page images."""
    p = _path(file_hash, settings)
    gone = False
    if p.exists():
        p.unlink()
        gone = True
    d = _masked_dir(file_hash, settings)
    if d.is_dir():
        for f in d.iterdir():
            f.unlink()
        d.rmdir()
        gone = True
    return gone


def delete_original(file_hash: str, settings: Settings | None = None) -> bool:
    """Remove only the uploaded file (its masked page images stay)."""
    p = _path(file_hash, settings)
    if p.exists():
        p.unlink()
        return True
    return False


# ---------------------------------------------------------------- masked page images (redact)
def _masked_dir(file_hash: str, settings: Settings | None = None) -> Path:
    if not _HASH.match(file_hash):
        raise ValueError("not a sha256 file hash")
    return files_dir(settings) / "masked" / file_hash[:2] / file_hash


def put_masked(file_hash: str, page: int, png: bytes, settings: Settings | None = None) -> Path:
    """Keep a page's masked image (PNG), encrypted, replacing an older one."""
    d = _masked_dir(file_hash, settings)
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{int(page)}.png"
    tmp = d / f".{int(page)}.{os.getpid()}"
    tmp.write_bytes(crypto.fernet().encrypt(png))
    os.chmod(tmp, 0o600)
    os.replace(tmp, p)
    return p


def get_masked(file_hash: str, page: int, settings: Settings | None = None) -> bytes | None:
    p = _masked_dir(file_hash, settings) / f"{int(page)}.png"
    return crypto.fernet().decrypt(p.read_bytes()) if p.exists() else None
