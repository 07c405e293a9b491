"""The keyed search index (ocr_core/id_index.py) in a real SQLite file: ID numbers and names are
kept as HMAC digests only; a name is found whole or by its words, whatever the case, spacing,
accents or punctuation; names and IDs are rebuilt apart; a re-scan re-indexes; a database from
before names were indexed gets them at its first connection. The documents are results written
out here (no OCR: the scanned path is in tests/test_history.py)."""
from __future__ import annotations

from pathlib import Path

from ocr_core import history, id_index, records, schema
from ocr_core.history import HistoryQuery
from ocr_core.models import DetectedID, DocumentResult, Field
from ocr_core.store import connect


def _doc(file_hash: str, name: str, father: str | None = None, pan: str = "ABCPK1234Z") -> DocumentResult:
    fields = {"name": Field("name", name, 0.95)}
    if father:
        fields["father_name"] = Field("father_name", father, 0.95)
    return DocumentResult(filename=f"{file_hash[:4]}.png", file_hash=file_hash, pages=[], document_type="PAN",
                          ids=[DetectedID("PAN", pan, True, 0.99, key="pan-p1-1")], fields=fields)


def _at_rest(settings) -> bytes:
    db = Path(settings.db_path)
    return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def test_words_are_compared_folded():
    assert id_index.name_tokens("RAVI  Kumár-Sharma") == ["ravi", "kumar", "sharma"]
    assert id_index.name_tokens("  o'brien, j. ") == ["o", "brien", "j"]
    assert id_index.name_tokens("संजय कुमार") == ["संजय", "कुमार"]  # Devanagari vowel signs stay
    assert id_index.name_tokens("") == [] and id_index.name_tokens(None) == []


def test_a_name_is_found_whole_or_by_its_words(settings):
    a, b = "a" * 64, "b" * 64
    records.keep(_doc(a, "Ravi Kumar Sharma", father="Mohan Lal Sharma"), None, settings=settings)
    records.keep(_doc(b, "Sunita Kumari", pan="BCDPK2345Y"), None, settings=settings)
    db = connect()
    for text in ("ravi kumar sharma", "Ravi Kumar", "KUMAR", "sharma ravi", " ravi-kumar ", "Rávi", "mohan lal"):
        assert id_index.find_name(db, text) == {a}, text
    assert id_index.find_name(db, "sunita kumari") == {b}
    assert id_index.find_name(db, "sharma") == {a}
    assert id_index.find_name(db, "ravi verma") == set()  # every word must be there
    assert id_index.find_name(db, "kumari ravi") == set()  # not across documents
    assert id_index.find_name(db, "r") == set() and id_index.find_name(db, "  ") == set()
    assert [r["file_hash"] for r in history.search(HistoryQuery(text="Ravi Kumar")).rows] == [a]
    assert {r["file_hash"] for r in history.search(HistoryQuery(text="ABCPK 1234-Z")).rows} == {a}  # IDs still


def test_no_name_in_clear_at_rest(settings):
    records.keep(_doc("c" * 64, "Ravindra Kumar Sharma", father="Mohanlal Sharma"), None, settings=settings)
    db = connect()
    kinds = {k: n for k, n in db.execute("select kind, count(*) from id_index group by kind")}
    assert kinds == {"id": 1, "name": 2 + 4}  # two whole names, their four distinct words (sharma once)
    at_rest = _at_rest(settings).lower()
    for text in (b"ravindra", b"mohanlal", b"kumar sharma", b"abcpk1234z"):
        assert text not in at_rest


def test_ids_and_names_are_rebuilt_apart_and_a_rescan_reindexes(settings):
    h = "d" * 64
    records.keep(_doc(h, "Ravi Kumar"), None, settings=settings)
    db = connect()
    id_index.rebuild(db, h, [])  # the IDs re-indexed (no ID left): the names stay
    assert id_index.find(db, "ABCPK1234Z") == set() and id_index.find_name(db, "ravi") == {h}
    records.keep(_doc(h, "Ravi Kumaar Verma"), None, settings=settings)  # the same file read again, better
    assert id_index.find_name(db, "verma") == {h} and id_index.find(db, "ABCPK1234Z") == {h}
    assert id_index.find_name(db, "ravi kumar") == set()  # the old reading is gone
    assert records.erase(h, "asha")
    assert db.execute("select count(*) from id_index").fetchone()[0] == 0


def test_another_key_finds_nothing(settings, monkeypatch):
    """A copied-off database alone cannot be searched: the digests need the index key."""
    from ocr_core.config import get_settings

    records.keep(_doc("e" * 64, "Ravi Kumar"), None, settings=settings)
    assert id_index.find_name(connect(), "ravi kumar") == {"e" * 64}
    monkeypatch.setenv("INDEX_KEY", "some other key")
    get_settings.cache_clear()
    assert id_index.find_name(connect(), "ravi kumar") == set()


def test_documents_kept_before_names_were_indexed_get_them(settings):
    h = "f" * 64
    records.keep(_doc(h, "Anita Desai"), None, settings=settings)
    db = connect()
    db.execute("delete from id_index where kind = 'name'")  # as kept by the version before names
    db.execute("delete from _sqlite_migrations where name = 'm006_id_index_names'")
    assert id_index.find_name(db, "anita desai") == set()
    assert schema.apply(db) == ["m006_id_index_names"]
    assert id_index.find_name(db, "anita desai") == {h} and id_index.find(db, "ABCPK1234Z") == {h}
