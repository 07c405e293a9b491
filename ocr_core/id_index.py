"""Search by ID number without keeping one in clear: a keyed hash index.

Each reviewed ID (corrections applied) is stored as HMAC-SHA256(key, normalised value) in
``id_index``; a search hashes what the operator typed the same way. The key is ``INDEX_KEY`` or,
when none is given, derived from the encryption key (``OCR_ENCRYPTION_KEY`` or the key file), so
a copied-off database alone cannot be searched for a guessed number. Values are normalised as the
ID editor compares them (upper case, no spaces, dashes, dots or slashes), so "ABCPK 1234-Z"
finds ABCPK1234Z; a masked Aadhaar (XXXX XXXX 1234) is not indexed.

This module owns the ``id_index`` table (see `schema`); documents, records and retention call the
functions here.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from . import crypto
from .config import get_settings

MIN_CHARS = 6  # shorter search text is no ID number


def normalise(value: str) -> str:
    return re.sub(r"[\s\-/.]", "", (value or "").upper())


@lru_cache(maxsize=4)
def _key(index_key: str | None, enc_key: str | None, key_file: str) -> bytes:
    if index_key:
        return index_key.encode()
    base = enc_key.encode() if enc_key else crypto._load_or_create_key(Path(key_file))
    return hmac.new(base, b"ocr-review-desk id-index v1", hashlib.sha256).digest()


def digest(value: str) -> str | None:
    v = normalise(value)
    if len(v) < MIN_CHARS or "X" * 4 in v:
        return None
    s = get_settings()
    key = _key(s.index_key.get_secret_value() if s.index_key else None,
               s.ocr_encryption_key.get_secret_value() if s.ocr_encryption_key else None, str(s.ocr_key_file))
    return hmac.new(key, v.encode(), hashlib.sha256).hexdigest()


def rebuild(db: sqlite_utils.Database, file_hash: str, ids: list) -> None:
    """This document's entries: one per ID value (an MRZ per line). Plain statements (stays inside
    the caller's transaction)."""
    db.conn.execute("delete from id_index where file_hash = ?", [file_hash])
    seen = set()
    for i in ids:
        for v in str(i.value).split("\n"):
            d = digest(v)
            if d and d not in seen:
                seen.add(d)
                db.conn.execute("insert or ignore into id_index (digest, file_hash) values (?, ?)", [d, file_hash])


def find(db: sqlite_utils.Database, text: str) -> set[str]:
    """File hashes of the documents holding this ID number."""
    d = digest(text)
    if d is None:
        return set()
    return {r[0] for r in db.execute("select file_hash from id_index where digest = ?", [d])}


def delete(db: sqlite_utils.Database, file_hash: str) -> int:
    return db.conn.execute("delete from id_index where file_hash = ?", [file_hash]).rowcount
