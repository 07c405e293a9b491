"""Search by ID number without keeping one in clear: a keyed hash index.

Each reviewed ID (corrections applied) is stored as HMAC-SHA256(key, normalised value) in
``id_index``; a search hashes what the operator typed the same way. The key is ``INDEX_KEY`` or,
when none is given, derived from the encryption key (``OCR_ENCRYPTION_KEY`` or the key file), so
a copied-off database alone cannot be searched for a guessed number. Values are normalised as the
ID editor compares them (upper case, no spaces, dashes, dots or slashes), so "ABCPK 1234-Z"
finds ABCPK1234Z; a masked Aadhaar (XXXX XXXX 1234) is not indexed whole.

An Aadhaar or VID is also found by its last four digits, all an operator ever sees of it: each is
indexed as well by the keyed hash of its type and last four (`last4_digest`, domain ``last4``), so
the clear digits are never stored. A search of four digits (or a masked number, "XXXX XXXX 1234")
may find several documents: every Aadhaar and VID ending so. A masked Aadhaar read off a document
(AADHAAR_MASKED) is indexed by its last four the same way, as an Aadhaar.

Names (the reviewed fields `NAME_KEYS`: the holder's, the father's, the Devanagari name, an
enterprise's trade name) are indexed the same way, each as the whole name and per word, after
`name_tokens` normalised them (case folded, accents and punctuation dropped, spacing collapsed):
"Ravi Kumar", "ravi  kumar" and "KUMAR" all find Ravi Kumar Sharma's documents (several words
must all be among the document's names, in any order). Name entries are kind ``name``, ID entries kind ``id``;
each kind is rebuilt on its own (`rebuild`, `rebuild_names`). `keyed` is the same keyed hash for
other lookups that must hold no clear text (a case label, see `cases`).

This module owns the ``id_index`` table (see `schema`); the record package and retention call the
functions here.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from . import crypto
from .config import get_settings

MIN_CHARS = 6  # shorter search text is no ID number
NAME_KEYS = ("name", "father_name", "name_hi", "trade_name")  # the fields whose names are searchable
MIN_TOKEN = 2  # shorter words (initials) are not indexed on their own


def normalise(value: str) -> str:
    return re.sub(r"[\s\-/.]", "", (value or "").upper())


@lru_cache(maxsize=4)
def _key(index_key: str | None, enc_key: str | None, key_file: str) -> bytes:
    if index_key:
        return index_key.encode()
    base = enc_key.encode() if enc_key else crypto._load_or_create_key(Path(key_file))
    return hmac.new(base, b"ocr-review-desk id-index v1", hashlib.sha256).digest()


def _hmac(text: str) -> str:
    s = get_settings()
    key = _key(s.index_key.get_secret_value() if s.index_key else None,
               s.ocr_encryption_key.get_secret_value() if s.ocr_encryption_key else None, str(s.ocr_key_file))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def digest(value: str) -> str | None:
    v = normalise(value)
    if len(v) < MIN_CHARS or "X" * 4 in v:
        return None
    return _hmac(v)


LAST4_TYPES = {"AADHAAR": "AADHAAR", "AADHAAR_MASKED": "AADHAAR", "VID": "VID"}  # indexed by last four too
_LAST4 = re.compile(r"[X*]*(\d{4})")  # what a last-four search looks like, normalised: 1234, XXXXXXXX1234


def last4_digest(id_type: str, value: str) -> str | None:
    """The keyed hash of an Aadhaar's or VID's type and last four digits; None for other IDs."""
    kind = LAST4_TYPES.get(id_type)
    digits = re.sub(r"\D", "", value or "")
    if kind is None or len(digits) < 4:
        return None
    return keyed("last4", f"{kind}:{digits[-4:]}")


def keyed(domain: str, text: str) -> str:
    """The keyed hash of `text` (already normalised by the caller) in its own `domain`, so that
    equal texts of different kinds never share a digest."""
    return _hmac(f"{domain}\x1f{text}")


def rebuild(db: sqlite_utils.Database, file_hash: str, ids: list) -> None:
    """This document's ID entries: one per ID value (an MRZ per line), and one per Aadhaar/VID by
    its type and last four (`last4_digest`); its name entries stay. Plain statements (stays inside
    the caller's transaction)."""
    db.conn.execute("delete from id_index where file_hash = ? and coalesce(kind, 'id') = 'id'", [file_hash])
    seen = set()
    for i in ids:
        for v in [*str(i.value).split("\n"), None]:
            d = digest(v) if v is not None else last4_digest(i.type, str(i.value))
            if d and d not in seen:
                seen.add(d)
                db.conn.execute("insert or ignore into id_index (digest, file_hash, kind) values (?, ?, 'id')",
                                [d, file_hash])


def find(db: sqlite_utils.Database, text: str) -> set[str]:
    """File hashes of the documents holding this ID number; four digits (or a masked Aadhaar,
    XXXX XXXX 1234): every document with an Aadhaar or VID ending so."""
    m = _LAST4.fullmatch(normalise(text))
    if m:
        wanted = [last4_digest(t, m.group(1)) for t in ("AADHAAR", "VID")]
    else:
        wanted = [digest(text)]
    out: set[str] = set()
    for d in filter(None, wanted):
        out |= {r[0] for r in db.execute("select file_hash from id_index where digest = ? and coalesce(kind, 'id') = 'id'",
                                         [d])}
    return out


def reindex_ids(db: sqlite_utils.Database, docs) -> int:
    """Index the IDs again (full numbers and last fours) of documents kept before the last four were
    searchable (the schema migration): `docs` yields (file_hash, reviewed IDs)."""
    n = 0
    for file_hash, ids in docs:
        rebuild(db, file_hash, ids)
        n += 1
    return n


# ---------------------------------------------------------------- names
def _fold(ch: str, prev: str) -> bool:
    """Drop this combining mark? Only after a Latin letter (an accent); a Devanagari vowel sign
    or virama is part of the word."""
    return unicodedata.combining(ch) != 0 and prev != "" and ord(prev) < 0x0250


def name_tokens(text: str | None) -> list[str]:
    """The words of a name as the index compares them: compatibility-decomposed, case folded,
    accents dropped (Latin), every run of punctuation or spacing a single break. "RAVI  Kumár"
    and "ravi-kumar" are ["ravi", "kumar"]; an initial stays a word ("r")."""
    out: list[str] = []
    prev = ""
    for ch in unicodedata.normalize("NFKD", str(text or "")).casefold():
        if _fold(ch, prev):
            continue
        cat = unicodedata.category(ch)
        out.append(ch if cat[0] in "LN" or cat[0] == "M" else " ")
        prev = ch if cat[0] != "M" else prev
    return "".join(out).split()


def names_of(result) -> list[str]:
    """The searchable names of a (reviewed) `DocumentResult`: the values of its `NAME_KEYS` fields."""
    fields = getattr(result, "fields", None) or {}
    return [str(f.value) for k, f in fields.items() if k in NAME_KEYS and f.value]


def _name_digests(names: list[str]) -> set[str]:
    out: set[str] = set()
    for n in names:
        words = name_tokens(n)
        if not words:
            continue
        out.add(keyed("name", " ".join(words)))
        out |= {keyed("word", w) for w in words if len(w) >= MIN_TOKEN}
    return out


def rebuild_names(db: sqlite_utils.Database, file_hash: str, names: list[str]) -> None:
    """This document's name entries (its ID entries stay): each name whole and each of its words,
    keyed hashes only. Plain statements (stays inside the caller's transaction)."""
    db.conn.execute("delete from id_index where file_hash = ? and kind = 'name'", [file_hash])
    for d in sorted(_name_digests(names)):
        db.conn.execute("insert or ignore into id_index (digest, file_hash, kind) values (?, ?, 'name')",
                        [d, file_hash])


def find_name(db: sqlite_utils.Database, text: str) -> set[str]:
    """File hashes of the documents with this name, or with every word of it among their names
    (any order)."""
    words = name_tokens(text)
    if not words:
        return set()

    def holders(d: str) -> set[str]:
        return {r[0] for r in db.execute("select file_hash from id_index where digest = ? and kind = 'name'", [d])}

    found = holders(keyed("name", " ".join(words)))
    long_words = [w for w in words if len(w) >= MIN_TOKEN]
    if long_words:
        common = holders(keyed("word", long_words[0]))
        for w in long_words[1:]:
            common &= holders(keyed("word", w))
        found |= common
    return found


def backfill_names(db: sqlite_utils.Database, results) -> int:
    """Index the names of documents kept before names were searchable (the schema migration):
    `results` yields (file_hash, DocumentResult)."""
    n = 0
    for file_hash, result in results:
        rebuild_names(db, file_hash, names_of(result))
        n += 1
    return n


def delete(db: sqlite_utils.Database, file_hash: str) -> int:
    return db.conn.execute("delete from id_index where file_hash = ?", [file_hash]).rowcount
