"""The audit trail proves its own completeness (ocr_core.auditlog): a keyed chain (HMAC-SHA256, key
apart from the database) and a signed head kept outside it. Every attack is made on a real SQLite
file written through the real core calls (users.add, record.trail.audit, auditlog.write), by someone who
has the database file but not the key, and must be found by `auditlog.verify()` and by
`python -m ocr_core audit verify` (exit 1)."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ocr_core import auditlog, auth, users
from ocr_core.record.trail import audit
from ocr_core.store import close_all, connect

ROOT = Path(__file__).resolve().parents[1]
FIELDS = auditlog.FIELDS


def _unkeyed(row: dict) -> str:
    """The chain's old formula: plain SHA-256 over the fields (what an attacker without the key can compute)."""
    return hashlib.sha256(json.dumps([row.get(f) for f in FIELDS], ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def _wrong_key(row: dict) -> str:
    payload = json.dumps(["audit-entry/v1", *[row.get(f) for f in FIELDS]], ensure_ascii=False, separators=(",", ":"))
    return "k1:" + hmac.new(b"a key that is not the audit key", payload.encode(), hashlib.sha256).hexdigest()


def _head(settings) -> Path:
    return Path(str(settings.db_path) + ".audit-head")


@pytest.fixture
def trail(settings, tmp_path):
    """Ten entries through the core calls; a copy of the head as it was after the sixth."""
    users.add("ada", "admin", "correct horse battery", actor="test")
    for i in range(9):
        audit("needs_review", "ab" * 32, auth.Identity("asha", "operator"), {"n": i})
        if i == 4:
            shutil.copy(_head(settings), tmp_path / "old.head")
    close_all()
    v = auditlog.verify()
    assert (v.ok, v.entries, v.legacy, v.head["id"], v.head["count"]) == (True, 10, 0, 10, 10), v
    return settings


def _con(settings) -> sqlite3.Connection:
    """The attacker: the database file, its triggers dropped."""
    con = sqlite3.connect(settings.db_path, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute("drop trigger audit_no_update")
    con.execute("drop trigger audit_no_delete")
    return con


def _rows(con) -> list[dict]:
    return [dict(r) for r in con.execute("select * from audit order by id")]


def _rechain(con, formula) -> None:
    prev = None
    for r in _rows(con):
        r["prev_hash"] = prev or auditlog.GENESIS
        r["hash"] = formula(r)
        con.execute("update audit set prev_hash = ?, hash = ? where id = ?", [r["prev_hash"], r["hash"], r["id"]])
        prev = r["hash"]


def _insert(con, r: dict) -> None:
    con.execute(f"insert into audit ({', '.join(r)}) values ({', '.join('?' * len(r))})", list(r.values()))


def _edit(con) -> None:
    con.execute("update audit set operator = 'mallory' where id = 4")


def _insert_middle(con, settings, tmp_path):
    rs = _rows(con)
    con.execute("delete from audit")
    forged = {**rs[3], "operator": "mallory"}
    for i, r in enumerate(rs[:4] + [forged] + rs[4:], 1):
        _insert(con, {**r, "id": i})


def _append_forged(con, settings, tmp_path):
    last = _rows(con)[-1]
    r = {**last, "id": last["id"] + 1, "operator": "mallory", "prev_hash": last["hash"]}
    _insert(con, {**r, "hash": _unkeyed(r)})


ATTACKS = {
    "delete the last 3 entries": (lambda c, s, t: c.execute("delete from audit where id > 7"), "removed from the end"),
    "blank every hash": (lambda c, s, t: c.execute("update audit set hash = null"), "blanked"),
    "blank every hash and prev_hash": (lambda c, s, t: c.execute("update audit set hash = null, prev_hash = null"),
                                       "blanked"),
    "edit, re-hash unkeyed": (lambda c, s, t: (_edit(c), _rechain(c, _unkeyed)), "re-hashed"),
    "edit, re-hash with a wrong key": (lambda c, s, t: (_edit(c), _rechain(c, _wrong_key)), "re-hashed without"),
    "edit an entry": (lambda c, s, t: _edit(c), "edited"),
    "insert an entry in the middle": (_insert_middle, "removed or inserted"),
    "append a forged entry": (_append_forged, "re-hashed without the key"),
    "delete a middle entry": (lambda c, s, t: c.execute("delete from audit where id = 5"), "missing"),
    "delete the head file": (lambda c, s, t: _head(s).unlink(), "head file is missing"),
    "replace the head file with an old one": (lambda c, s, t: shutil.copy(t / "old.head", _head(s)),
                                              "older than the chain"),
    "forge the head file": (lambda c, s, t: _head(s).write_text(json.dumps(
        {**json.loads(_head(s).read_text()), "id": 12, "sig": "0" * 64})), "not signed"),
}


def _cli(*args, settings, extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file),
           "LOG_LEVEL": "WARNING", **(extra or {})}
    return subprocess.run([sys.executable, "-m", "ocr_core", "audit", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_each_attack_is_detected_by_the_function_and_the_command(trail, tmp_path, name):
    attack, words = ATTACKS[name]
    con = _con(trail)
    attack(con, trail, tmp_path)
    con.close()
    v = auditlog.verify()
    assert not v.ok and words in v.problem and v.broken_at is not None, v
    p = _cli("verify", settings=trail)
    out = json.loads(p.stdout)
    assert p.returncode == 1 and out["ok"] is False and words in out["problem"], (p.stdout, p.stderr)
    assert set(out) == {"ok", "entries", "legacy", "broken_at", "problem", "head"}
    assert f"broken at entry {out['broken_at']}" in p.stderr


def test_the_untouched_trail_verifies_through_the_command(trail):
    p = _cli("verify", settings=trail)
    out = json.loads(p.stdout)
    assert p.returncode == 0 and (out["ok"], out["entries"], out["head"]["id"]) == (True, 10, 10), p.stderr


def test_the_key_is_apart_from_the_database(trail):
    """No key in the database file; entries carry keyed hashes; another AUDIT_KEY does not verify them."""
    connect().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = Path(trail.db_path).read_bytes()
    key = auditlog._key()
    assert key not in raw and key.hex().encode() not in raw
    assert key != Path(trail.ocr_key_file).read_bytes().strip()  # HKDF-derived, not the encryption key itself
    assert all(r["hash"].startswith("k1:") for r in connect().query("select hash from audit"))
    p = _cli("verify", settings=trail, extra={"AUDIT_KEY": "another audit key, 32 characters"})
    assert p.returncode == 1 and "re-hashed without the audit key" in json.loads(p.stdout)["problem"]
    p = _cli("verify", settings=trail, extra={"AUDIT_KEY": "short"})
    assert p.returncode != 0 and "AUDIT_KEY must be at least 16 characters" in p.stderr


def test_an_append_after_tampering_keeps_the_evidence_until_an_admin_reanchors(trail, tmp_path):
    """The next legitimate append does not launder a cut end: the head stays where it was."""
    con = _con(trail)
    con.execute("delete from audit where id > 7")
    con.close()
    auditlog.write("login", None, "asha")  # id 8 again, chained to 7: a valid chain, but not the head's
    v = auditlog.verify()
    assert not v.ok and v.head["id"] == 10 and "entry 10" in v.problem, v
    p = _cli("reanchor", "--reason", "", settings=trail)
    assert p.returncode == 1 and "give a reason" in p.stderr
    p = _cli("reanchor", "--reason", "restored the database from last night's backup", settings=trail)
    out = json.loads(p.stdout)
    assert p.returncode == 0 and out["ok"] and out["head"]["id"] == 9, p.stderr
    close_all()
    row = auditlog.rows(limit=1)[0]
    assert row["action"] == "audit_reanchor" and row["operator"].startswith("cli")
    assert row["detail"]["head_was"] == {"id": 10, "count": 10} and row["detail"]["chain_was"] == {"id": 8, "count": 8}
    auditlog.write("login", None, "asha")
    assert auditlog.verify().ok


def test_reanchor_is_refused_when_the_chain_itself_is_broken(trail):
    con = _con(trail)
    _edit(con)
    con.close()
    p = _cli("reanchor", "--reason", "try to hide it", settings=trail)
    assert p.returncode == 1 and "broken at entry 4" in p.stderr
    assert not auditlog.verify().ok


def test_a_rolled_back_transaction_puts_the_head_back(trail):
    db = connect()
    before = _head(trail).read_text()
    with pytest.raises(RuntimeError):
        with auditlog.atomic(db):
            auditlog.write("login", None, "asha", db=db)
            assert json.loads(_head(trail).read_text())["id"] == 11  # written before COMMIT
            raise RuntimeError("the action failed after its audit entry")
    assert _head(trail).read_text() == before
    v = auditlog.verify()
    assert v.ok and v.entries == 10


def test_concurrent_appends_from_threads_and_processes_verify(settings):
    """Eight threads and two processes append at once: no fork, no lost head, verify ok."""
    users.add("ada", "admin", "correct horse battery", actor="test")
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(15):
                audit("needs_review", f"{k:02d}" * 32, auth.Identity(f"op{k}", "operator"), {"i": i})
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    code = ("from ocr_core import auditlog\n"
            "for i in range(15): auditlog.write('login', None, 'proc', {'i': i})\n")
    env = {**os.environ, "DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file),
           "LOG_LEVEL": "WARNING"}
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env) for _ in range(2)]
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.wait(120) for p in procs] == [0, 0] and not errors, errors
    v = auditlog.verify()
    assert (v.ok, v.entries, v.head["id"], v.head["count"]) == (True, 151, 151, 151), v
    assert len({r["hash"] for r in connect().query("select hash from audit")}) == 151


def _old_database(path: Path) -> None:
    """A database of before the keyed chain: two rows without a hash, then three in the old unkeyed chain."""
    import sqlite_utils

    old = sqlite_utils.Database(path)
    old.execute("create table audit (id integer primary key, time float, operator text, action text, "
                "file_hash text, detail text, role text, prev_hash text, hash text)")
    for i in (1, 2):
        old.execute("insert into audit (id, time, operator, action, file_hash, detail) values "
                    "(?, ?, 'old', 'approve', 'x', '{}')", [i, 1000.0 + i])
    prev = auditlog.GENESIS
    for i in (3, 4, 5):
        r = {"id": i, "time": 1000.0 + i, "operator": "old", "role": "checker", "action": "approve",
             "file_hash": "y", "detail": "{}", "prev_hash": prev}
        r["hash"] = prev = _unkeyed(r)
        _insert(old.conn, r)
    old.conn.commit()
    old.conn.close()


@pytest.mark.parametrize("attack", ["none", "edit", "delete", "blank", "insert"])
def test_an_old_unkeyed_chain_is_anchored_once(settings, tmp_path, attack):
    path = Path(settings.db_path)
    _old_database(path)
    db = connect(path)
    assert auditlog.verify(db).to_dict()["head"]["state"] == "missing" and auditlog.verify(db).ok  # not yet
    auditlog.write("login", None, "asha", db=db)
    auditlog.write("logout", None, "asha", db=db)
    first = db.execute("select prev_hash from audit where id = 6").fetchone()[0]
    assert first.startswith("anchor:v1:5:")
    v = auditlog.verify(db)
    assert (v.ok, v.legacy, v.entries, v.head["count"]) == (True, 5, 2, 7), v
    close_all()
    con = _con(settings)
    if attack == "none":
        con.close()
        assert auditlog.verify().ok
        return
    if attack == "edit":  # an entry of before the chain (no hash of its own): the anchor no longer matches
        con.execute("update audit set operator = 'mallory' where id = 1")
    elif attack == "delete":
        con.execute("delete from audit where id = 1")
    elif attack == "blank":
        con.execute("update audit set hash = null, prev_hash = null where id <= 5")
    elif attack == "insert":
        con.execute("insert into audit (id, time, operator, action, file_hash, detail) values "
                    "(0, 1, 'mallory', 'approve', 'x', '{}')")
    con.close()
    v = auditlog.verify()
    assert not v.ok and "anchored" in v.problem, v
    assert _cli("verify", settings=settings).returncode == 1


def test_the_redis_copy_catches_an_old_head_put_back_with_the_chain_cut_to_match(settings, tmp_path, monkeypatch):
    """One file cannot prove its own freshness: an attacker with the database and the head file puts
    back the head of entry 6 and cuts the chain to entry 6. The head kept in Redis (real
    redis-server) is ahead of the chain and tells."""
    from redis_server import redis_server

    from ocr_core.config import get_settings

    with redis_server(tmp_path) as url:
        monkeypatch.setenv("REDIS_URL", url)
        get_settings.cache_clear()
        s = get_settings()
        for i in range(10):
            auditlog.write("login", None, "asha", {"i": i})
            if i == 5:
                shutil.copy(_head(s), tmp_path / "old.head")
        v = auditlog.verify()
        assert v.ok and v.head["redis"] == "found", v
        close_all()
        con = _con(s)
        con.execute("delete from audit where id > 6")
        con.close()
        shutil.copy(tmp_path / "old.head", _head(s))
        v = auditlog.verify()
        assert not v.ok and "head in Redis records entry 10" in v.problem, v
        p = _cli("verify", settings=s, extra={"REDIS_URL": url})
        assert p.returncode == 1 and "Redis" in json.loads(p.stdout)["problem"]
    v = auditlog.verify()  # Redis gone: reported, and the file alone cannot tell (documented)
    assert v.ok and v.head["redis"] == "unreachable"


def test_every_append_logs_its_head(settings, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="ocr_core"):
        auditlog.write("login", None, "asha")
        auditlog.write("logout", None, "asha")
    heads = [r.audit_head for r in caplog.records if r.getMessage() == "audit"]
    assert [(h["id"], h["count"]) for h in heads] == [(1, 1), (2, 2)]
    assert heads[-1] == json.loads(_head(settings).read_text())
    assert auditlog._parse_head(json.dumps(heads[-1])) == heads[-1]  # signed: it checks as a head
