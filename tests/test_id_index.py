"""The keyed search index (ocr_core/id_index.py) in a real SQLite file: ID numbers and names are
kept as HMAC digests only; a name is found whole or by its words, whatever the case, spacing,
accents or punctuation; names and IDs are rebuilt apart; a re-scan re-indexes; a database from
before names were indexed gets them at its first connection. The documents are results written
out here (no OCR: the scanned path is in tests/test_history.py)."""
from __future__ import annotations

from pathlib import Path

from ocr_core import id_index, schema
from ocr_core.record import corrections, erase, history, keeping
from ocr_core.record.history import HistoryQuery
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
    keeping.keep(_doc(a, "Ravi Kumar Sharma", father="Mohan Lal Sharma"), None, settings=settings)
    keeping.keep(_doc(b, "Sunita Kumari", pan="BCDPK2345Y"), None, settings=settings)
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
    keeping.keep(_doc("c" * 64, "Ravindra Kumar Sharma", father="Mohanlal Sharma"), None, settings=settings)
    db = connect()
    kinds = {k: n for k, n in db.execute("select kind, count(*) from id_index group by kind")}
    assert kinds == {"id": 1, "name": 2 + 4}  # two whole names, their four distinct words (sharma once)
    at_rest = _at_rest(settings).lower()
    for text in (b"ravindra", b"mohanlal", b"kumar sharma", b"abcpk1234z"):
        assert text not in at_rest


def test_ids_and_names_are_rebuilt_apart_and_a_rescan_reindexes(settings):
    h = "d" * 64
    keeping.keep(_doc(h, "Ravi Kumar"), None, settings=settings)
    db = connect()
    id_index.rebuild(db, h, [])  # the IDs re-indexed (no ID left): the names stay
    assert id_index.find(db, "ABCPK1234Z") == set() and id_index.find_name(db, "ravi") == {h}
    keeping.keep(_doc(h, "Ravi Kumaar Verma"), None, settings=settings)  # the same file read again, better
    assert id_index.find_name(db, "verma") == {h} and id_index.find(db, "ABCPK1234Z") == {h}
    assert id_index.find_name(db, "ravi kumar") == set()  # the old reading is gone
    assert erase.delete_document(h, "asha")
    assert db.execute("select count(*) from id_index").fetchone()[0] == 0


def test_another_key_finds_nothing(settings, monkeypatch):
    """A copied-off database alone cannot be searched: the digests need the index key."""
    from ocr_core.config import get_settings

    keeping.keep(_doc("e" * 64, "Ravi Kumar"), None, settings=settings)
    assert id_index.find_name(connect(), "ravi kumar") == {"e" * 64}
    monkeypatch.setenv("INDEX_KEY", "some other key")
    get_settings.cache_clear()
    assert id_index.find_name(connect(), "ravi kumar") == set()


def test_documents_kept_before_names_were_indexed_get_them(settings):
    h = "f" * 64
    keeping.keep(_doc(h, "Anita Desai"), None, settings=settings)
    db = connect()
    db.execute("delete from id_index where kind = 'name'")  # as kept by the version before names
    db.execute("delete from _sqlite_migrations where name = 'm006_id_index_names'")
    assert id_index.find_name(db, "anita desai") == set()
    assert schema.apply(db) == ["m006_id_index_names"]
    assert id_index.find_name(db, "anita desai") == {h} and id_index.find(db, "ABCPK1234Z") == {h}


# ---------------------------------------------------------------- Aadhaar / VID by their last four digits
def _verhoeff(body: str) -> str:
    from stdnum import verhoeff

    return body + verhoeff.calc_check_digit(body)


def _aadhaars() -> tuple[str, str, str]:
    """Two valid Aadhaar numbers with the same last four, and a valid VID ending otherwise."""
    a = _verhoeff("23456789012")
    b = next(n for n in (_verhoeff(f"3{p:07d}{a[-4:-1]}") for p in range(1000)) if n[-4:] == a[-4:])
    vid = _verhoeff("918273645546372")
    assert vid[-4:] != a[-4:]
    return a, b, vid


def _ids_doc(file_hash: str, ids: list[tuple[str, str]]) -> DocumentResult:
    return DocumentResult(filename=f"{file_hash[:4]}.png", file_hash=file_hash, pages=[], document_type="AADHAAR",
                          ids=[DetectedID(t, v, True, 0.99, key=f"id-p1-{n}") for n, (t, v) in enumerate(ids, 1)],
                          fields={})


def test_an_aadhaar_or_vid_is_found_by_its_last_four_digits(settings):
    a, b, vid = _aadhaars()
    ha, hb, hv, hp = "1" * 64, "2" * 64, "3" * 64, "4" * 64
    keeping.keep(_ids_doc(ha, [("AADHAAR", a)]), None, settings=settings)
    keeping.keep(_ids_doc(hb, [("AADHAAR", b)]), None, settings=settings)
    keeping.keep(_ids_doc(hv, [("VID", vid)]), None, settings=settings)
    keeping.keep(_doc(hp, "Ravi Kumar", pan=f"ABCPK{a[-4:]}Z"), None, settings=settings)  # a PAN with those digits
    db = connect()
    last4 = a[-4:]
    for text in (last4, f"XXXX XXXX {last4}", f"xxxx-xxxx-{last4}"):
        assert id_index.find(db, text) == {ha, hb}, text  # several documents: every Aadhaar ending so
    assert id_index.find(db, vid[-4:]) == {hv} and id_index.find(db, a) == {ha}  # the full number still
    assert id_index.find(db, "0000") == set() and id_index.find(db, "123") == set()
    found = {r["file_hash"] for r in history.search(HistoryQuery(text=f"XXXX XXXX {last4}")).rows}
    assert found == {ha, hb}
    assert {r["file_hash"] for r in history.search(HistoryQuery(text=last4)).rows} >= {ha, hb}
    # the digits are never stored: only keyed digests, as many as the IDs and their last fours
    assert db.execute("select count(*) from id_index where file_hash = ?", [ha]).fetchone()[0] == 2
    assert all(last4 not in d for (d,) in db.execute("select digest from id_index"))
    assert b"23456789012" not in _at_rest(settings)


def test_documents_kept_before_last_four_were_indexed_get_them(settings):
    from ocr_core.record import corrections, erase, history, keeping

    a, b, _ = _aadhaars()
    h = "5" * 64
    keeping.keep(_ids_doc(h, [("PAN", "ABCPK1234Z")]), None, settings=settings)
    corrections.add_id(h, "AADHAAR", a, "ravi", reason="missed")  # a reviewed ID: the migration applies corrections
    db = connect()
    assert id_index.find(db, a[-4:]) == {h}
    db.execute("delete from id_index where file_hash = ?", [h])
    for d in (id_index.digest("ABCPK1234Z"), id_index.digest(a)):  # as kept by the version before last fours
        db.execute("insert into id_index (digest, file_hash, kind) values (?, ?, 'id')", [d, h])
    db.execute("delete from _sqlite_migrations where name = 'm008_id_index_last4'")
    assert id_index.find(db, a[-4:]) == set()
    assert schema.apply(db) == ["m008_id_index_last4"]
    assert id_index.find(db, a[-4:]) == {h} and id_index.find(db, a) == {h} and id_index.find(db, "ABCPK1234Z") == {h}
