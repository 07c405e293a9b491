"""Content-addressed store of uploaded files, encrypted at rest, under the data folder.

Files are named by their sha256, never by the uploaded name, so no upload can be written outside
``<data>/files``. Every write goes to a temporary file of a unique name in the target folder
(`tempfile.mkstemp`), then `os.replace`: threads and processes writing the same file at once never
share a temporary file, and a reader sees the old or the new file whole.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import InvalidToken

from . import crypto
from .config import Settings, get_settings

if TYPE_CHECKING:
    from .models import DocumentResult

_HASH = re.compile(r"^[0-9a-f]{64}$")
MASKED_VERSION = ".version"  # in a document's masked folder: the result its page images were made from


def _write(p: Path, data: bytes) -> None:
    """Write `data` to `p` (0600) through a uniquely named temporary file in the same folder."""
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


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
    _write(p, crypto.fernet().encrypt(data))
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
    gone = _unlink(_path(file_hash, settings))
    d = _masked_dir(file_hash, settings)
    if d.is_dir():
        for f in d.iterdir():
            _unlink(f)
        try:
            d.rmdir()
        except FileNotFoundError:  # removed meanwhile by another delete
            pass
        gone = True
    return gone


def delete_original(file_hash: str, settings: Settings | None = None) -> bool:
    """Remove only the uploaded file (its masked page images stay)."""
    return _unlink(_path(file_hash, settings))


def _unlink(p: Path) -> bool:
    """Remove `p`; False when it was not there (or another thread or process removed it first)."""
    try:
        p.unlink()
        return True
    except FileNotFoundError:
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
    _write(p, crypto.fernet().encrypt(png))
    return p


def get_masked(file_hash: str, page: int, settings: Settings | None = None) -> bytes | None:
    p = _masked_dir(file_hash, settings) / f"{int(page)}.png"
    return crypto.fernet().decrypt(p.read_bytes()) if p.exists() else None


def masked_stamp(result: "DocumentResult") -> str:
    """What a document's masked page images are made from: a hash of its pages (sizes, rotation,
    lines and boxes), IDs and engine version (as masked: no full number goes into it). The same
    upload served from the cache has the same stamp; a new scan that reads it differently has
    another."""
    d = result.to_dict()
    what = {k: d.get(k) for k in ("engine_version", "pages", "ids", "aadhaar_qr")}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


def masked_version(file_hash: str, settings: Settings | None = None) -> str | None:
    """The stamp (`masked_stamp`) the kept masked page images were made from, None when unknown."""
    p = _masked_dir(file_hash, settings) / MASKED_VERSION
    try:
        return crypto.fernet().decrypt(p.read_bytes()).decode() or None
    except FileNotFoundError:
        return None
    except InvalidToken:  # written under another key: the images are made again
        return None


def set_masked_version(file_hash: str, stamp: str, settings: Settings | None = None) -> None:
    """Record that every masked page image of the document is now made from `stamp` (written
    after the pages: a write cut short leaves the old stamp, and the pages are made again)."""
    d = _masked_dir(file_hash, settings)
    d.mkdir(parents=True, exist_ok=True)
    _write(d / MASKED_VERSION, crypto.fernet().encrypt(stamp.encode()))  # every file here is encrypted
