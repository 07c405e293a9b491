"""Encryption at rest for stored personal data (OCR results, IDs, corrections).

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`. The key comes from ``OCR_ENCRYPTION_KEY``
or, when none is given, from ``OCR_KEY_FILE`` (default ``data/secret.key``), created on first use
with mode 0600. Values are stored as ``enc:v1:<token>``; look-ups stay by file hash, which is not
personal data.

Text columns use `encrypt_maybe` / `decrypt_maybe`; JSON columns (results, audit details) use
`seal` / `unseal`, the one way objects are stored encrypted.
"""
from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .config import get_settings

PREFIX = "enc:v1:"
_LOCK = threading.Lock()


def _load_or_create_key(path: Path) -> bytes:
    with _LOCK:
        if path.exists():
            return path.read_bytes().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Fernet.generate_key()
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key)
        finally:
            os.close(fd)
        return key


@lru_cache(maxsize=4)
def _fernet(key_env: str | None, key_file: str) -> Fernet:
    key = key_env.encode() if key_env else _load_or_create_key(Path(key_file))
    return Fernet(key)


def fernet() -> Fernet:
    s = get_settings()
    key = s.ocr_encryption_key.get_secret_value() if s.ocr_encryption_key else None
    return _fernet(key, str(s.ocr_key_file))


@lru_cache(maxsize=8)
def _hkdf(base: bytes, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label.encode()).derive(base)


def derive_key(label: str) -> bytes:
    """A 32-byte key of its own for `label` (HKDF-SHA256 over the encryption key: ``OCR_ENCRYPTION_KEY``
    or the key file), for a keyed hash that must not reuse the encryption key itself. Neither key is
    stored in the database."""
    s = get_settings()
    base = (s.ocr_encryption_key.get_secret_value().encode() if s.ocr_encryption_key
            else _load_or_create_key(Path(s.ocr_key_file)))
    return _hkdf(base, label)


def encrypt_text(text: str) -> str:
    return PREFIX + fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_text(text: str) -> str:
    if not text.startswith(PREFIX):
        raise ValueError("stored value is not encrypted with this scheme")
    try:
        return fernet().decrypt(text[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken as e:
        raise ValueError("stored value cannot be decrypted with the configured key") from e


def encrypt_maybe(text: str | None) -> str | None:
    """`encrypt_text` for a column that may be NULL (None stays None)."""
    return None if text is None else encrypt_text(text)


def decrypt_maybe(text: str | None) -> str | None:
    """`decrypt_text` for a column that may be NULL or still hold a plain value written before the
    column was encrypted (such values come back as they are; a wrong key still raises)."""
    if text is None or not text.startswith(PREFIX):
        return text
    return decrypt_text(text)


def seal(obj: Any) -> str:
    """An object as encrypted JSON text (for a column or a message)."""
    return encrypt_text(json.dumps(obj, ensure_ascii=False))


def unseal(text: str | None) -> Any:
    """The object `seal` stored. None stays None; plain JSON written before the column was
    encrypted is read as it is (like `decrypt_maybe`); a wrong key raises ValueError."""
    if text is None:
        return None
    return json.loads(decrypt_maybe(text))
