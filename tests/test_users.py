"""Desk accounts, sign-in, lockout and sessions (ocr_core.users), the permission table
(ocr_core.auth), the chained audit trail (ocr_core.auditlog) and their commands, on real SQLite
files: no password or session token in clear in the database file."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ocr_core import auditlog, auth, users
from ocr_core.store import connect

ROOT = Path(__file__).resolve().parents[1]
PW = "correct horse battery"


def _actions() -> list[tuple[str, str]]:
    return [(r["operator"], r["action"]) for r in auditlog.rows(limit=100)][::-1]


# ---------------------------------------------------------------- permission table
def test_roles_inherit_and_the_table_names_the_role_needed():
    assert [a for a in auth.PERMISSIONS if auth.allowed("operator", a)] == ["read", "upload", "correct",
                                                                            "needs_review", "recapture"]
    assert {a for a in auth.PERMISSIONS if auth.allowed("checker", a)} == {
        "read", "upload", "correct", "needs_review", "recapture", "approve", "reject", "reopen", "audit"}
    assert all(auth.allowed("admin", a) for a in auth.PERMISSIONS)
    with pytest.raises(auth.Forbidden, match=r"approve needs the checker role \(you are operator\)"):
        auth.require(auth.Identity("asha", "operator"), "approve")
    with pytest.raises(KeyError):
        auth.allowed("admin", "launch_missiles")  # an action without a rule is a bug, not a yes
    who = auth.Identity("ravi", "checker")
    assert not auth.may_unmask(who, "") and auth.may_unmask(who, "meena, ravi") and auth.may_unmask(who, "*")
    assert auth.may_unmask(auth.Identity("ada", "admin"), "")


def test_oidc_emails_map_to_roles():
    m = "ada@bank.in:admin, *@bank.in:operator, chen@bank.in:checker"
    assert auth.oidc_role("ADA@bank.in", m) == "admin" and auth.oidc_role("chen@bank.in", m) == "checker"
    assert auth.oidc_role("new@bank.in", m) == "operator" and auth.oidc_role("eve@evil.in", m) is None
    assert auth.oidc_role("", m) is None
    with pytest.raises(ValueError, match="unknown role"):
        auth.oidc_role("x@y.in", "x@y.in:root")


# ---------------------------------------------------------------- accounts and passwords
def test_passwords_are_argon2_hashed_never_stored_in_clear(settings):
    users.add("asha", "operator", PW, actor="test")
    store_conn = connect()
    store_conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = Path(settings.db_path).read_bytes()
    assert PW.encode() not in raw
    stored = store_conn.execute("select password_hash from users where name = 'asha'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PW not in stored
    assert users.authenticate("asha", PW) == auth.Identity("asha", "operator", "password")
    for bad in ("short", " leading space ok?", ""):
        with pytest.raises(ValueError):
            users.add("b" + str(len(bad)), "operator", bad, actor="test")
    with pytest.raises(ValueError, match="exists"):
        users.add("asha", "checker", PW, actor="test")
    with pytest.raises(ValueError, match="unknown role"):
        users.add("ravi", "superuser", PW, actor="test")
    with pytest.raises(ValueError, match="user name"):
        users.add("no spaces please", "operator", PW, actor="test")


def test_wrong_password_then_lockout_is_audited_and_holds_even_for_the_right_password(settings, monkeypatch):
    from ocr_core.config import get_settings

    monkeypatch.setenv("LOGIN_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("LOGIN_LOCKOUT_MINUTES", "0.05")  # 3 s
    get_settings.cache_clear()
    users.add("asha", "operator", PW, actor="test")
    with pytest.raises(users.LoginError, match="wrong user name or password"):
        users.authenticate("nobody", PW)
    for _ in range(2):
        with pytest.raises(users.LoginError, match="wrong user name or password"):
            users.authenticate("asha", "not it at all")
    users.authenticate("asha", PW)  # a success resets the count
    for _ in range(2):
        with pytest.raises(users.LoginError, match="^wrong"):
            users.authenticate("asha", "not it at all")
    with pytest.raises(users.LoginError, match="locked for"):
        users.authenticate("asha", "not it at all")
    assert users.get("asha").locked
    with pytest.raises(users.LoginError, match="locked after 3 failed sign-ins"):
        users.authenticate("asha", PW)
    acts = [a for _, a in _actions()]
    assert acts == ["user_add", "login_failed", "login_failed", "login_failed", "login", "login_failed",
                    "login_failed", "lockout", "login_locked"]
    unknown = auditlog.rows(limit=100)[-2]
    assert unknown["operator"] == "?" and unknown["detail"]["typed"] == "nobody"  # typed name only encrypted
    time.sleep(3.2)
    assert users.authenticate("asha", PW).name == "asha"  # the lock expires


def test_disable_and_passwd_end_sessions_and_sessions_expire(settings, monkeypatch):
    from ocr_core.config import get_settings

    users.add("asha", "checker", PW, actor="test")
    who = users.authenticate("asha", PW)
    token = users.start_session(who)
    assert users.session_identity(token) == who
    raw = connect().execute("select token_hash from sessions").fetchone()[0]
    assert raw != token and token not in raw  # only the hash is stored
    users.set_role("asha", "operator", actor="ada")
    assert users.session_identity(token) is None  # a changed role ends the sessions
    token = users.start_session(users.authenticate("asha", PW))
    assert users.session_identity(token).role == "operator"
    users.set_disabled("asha", True, actor="ada")
    assert users.session_identity(token) is None
    with pytest.raises(users.LoginError, match="disabled"):
        users.authenticate("asha", PW)
    users.set_disabled("asha", False, actor="ada")
    token = users.start_session(users.authenticate("asha", PW))
    users.set_password("asha", "another long one", actor="ada")
    assert users.session_identity(token) is None
    with pytest.raises(users.LoginError):
        users.authenticate("asha", PW)
    # expiry: SESSION_HOURS after the sign-in
    monkeypatch.setenv("SESSION_HOURS", str(1.5 / 3600))  # 1.5 s
    get_settings.cache_clear()
    token = users.start_session(users.authenticate("asha", "another long one"))
    assert users.session_identity(token) is not None
    time.sleep(1.7)
    assert users.session_identity(token) is None
    users.end_session(token)
    assert users.session_identity("made-up") is None and users.session_identity(None) is None


def test_first_admin_only_while_there_is_no_account(settings):
    assert not users.any_users()
    users.add_first_admin("ada", PW)
    assert users.get("ada").role == "admin"
    with pytest.raises(ValueError, match="exists already"):
        users.add_first_admin("mallory", PW)


def test_oidc_users_use_their_account_or_the_mapping(settings, monkeypatch):
    from ocr_core.config import get_settings

    monkeypatch.setenv("OIDC_ROLES", "*@bank.in:operator")
    get_settings.cache_clear()
    assert users.oidc_identity("new@bank.in") == auth.Identity("new@bank.in", "operator", "oidc")
    assert users.oidc_identity("eve@evil.in") is None
    users.add("chen@bank.in", "checker", PW, actor="test")
    assert users.oidc_identity("Chen@bank.in").role == "checker"
    users.set_disabled("chen@bank.in", True, actor="test")
    assert users.oidc_identity("chen@bank.in") is None


# ---------------------------------------------------------------- the audit chain
def test_audit_chain_verifies_and_catches_an_edited_row(settings):
    from ocr_core.record import trail

    for i in range(4):
        trail.audit("needs_review", "ab" * 32, auth.Identity("asha", "operator"), {"n": i})
    v = auditlog.verify().to_dict()
    assert {k: v[k] for k in ("ok", "entries", "legacy", "broken_at", "problem")} == {
        "ok": True, "entries": 4, "legacy": 0, "broken_at": None, "problem": ""}
    assert (v["head"]["id"], v["head"]["count"], v["head"]["state"]) == (4, 4, "found")
    rows = list(connect().query("select id, prev_hash, hash from audit order by id"))
    assert rows[0]["prev_hash"] == auditlog.GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:]))
    con = sqlite3.connect(settings.db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):  # the application cannot rewrite it
        con.execute("update audit set operator = 'mallory' where id = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("delete from audit where id = 3")
    # someone with the file drops the trigger and edits a row: the chain says where
    con.execute("drop trigger audit_no_update")
    con.execute("update audit set operator = 'mallory' where id = 2")
    con.commit()
    v = auditlog.verify()
    assert (v.ok, v.broken_at, v.entries) == (False, 2, 1) and "edited" in v.problem


def test_audit_chain_catches_a_removed_row(settings):
    for i in range(3):
        auditlog.write("login", None, "asha", {"i": i})
    con = sqlite3.connect(settings.db_path)
    con.execute("drop trigger audit_no_delete")
    con.execute("delete from audit where id = 2")
    con.commit()
    v = auditlog.verify()
    assert (v.ok, v.broken_at) == (False, 3) and "missing" in v.problem


def test_audit_rows_of_an_old_database_count_as_legacy(settings):
    """A database from before the chain (an audit table without hashes, no migrations recorded):
    the first connect migrates it, its old rows count as legacy and new rows are chained."""
    import sqlite_utils

    path = Path(settings.db_path).parent / "old.db"
    old = sqlite_utils.Database(path)
    old.execute("create table audit (id integer primary key, time float, operator text, action text, "
                "file_hash text, detail text)")
    old.execute("insert into audit (time, operator, action, file_hash, detail) values (1, 'old', 'approve', 'x', '{}')")
    old.conn.commit()
    old.conn.close()
    db = connect(path)
    auditlog.write("login", None, "asha", db=db)
    v = auditlog.verify(db)
    assert (v.ok, v.legacy, v.entries) == (True, 1, 1)


# ---------------------------------------------------------------- the commands
def _cli(*args, stdin: str | None = None, env: dict):
    return subprocess.run([sys.executable, "-m", "ocr_core", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, env={**os.environ, **env}, timeout=120)


def test_users_and_audit_commands(tmp_path):
    env = {"DB_PATH": str(tmp_path / "cli.db"), "OCR_KEY_FILE": str(tmp_path / "k"), "LOG_LEVEL": "WARNING"}
    p = _cli("users", "add", "ada", "--role", "admin", "--password-stdin", stdin=PW + "\n", env=env)
    assert p.returncode == 0 and p.stdout.strip() == "added ada (admin)", p.stderr
    p = _cli("users", "add", "asha", "--role", "operator", env=env)  # no terminal, no --password-stdin
    assert p.returncode == 1 and "--password-stdin" in p.stderr
    p = _cli("users", "add", "asha", "--role", "operator", "--password-stdin", stdin="short\n", env=env)
    assert p.returncode == 1 and "at least 10 characters" in p.stderr
    assert _cli("users", "add", "asha", "--role", "operator", "--password-stdin", stdin=PW + "\n",
                env=env).returncode == 0
    p = _cli("users", "list", env=env)
    import json

    listed = [json.loads(x) for x in p.stdout.splitlines()]
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("ada", "admin", False),
                                                                       ("asha", "operator", False)]
    assert "argon2" not in p.stdout and PW not in p.stdout
    assert _cli("users", "disable", "asha", env=env).returncode == 0
    assert _cli("users", "passwd", "asha", "--password-stdin", stdin="a new long password\n", env=env).returncode == 0
    assert _cli("users", "disable", "nobody", env=env).returncode == 1
    p = _cli("audit", "verify", env=env)
    assert p.returncode == 0 and json.loads(p.stdout)["ok"] is True and json.loads(p.stdout)["entries"] == 4
    con = sqlite3.connect(tmp_path / "cli.db")
    assert PW not in (tmp_path / "cli.db").read_bytes().decode("latin-1")
    actors = {r[0] for r in con.execute("select operator from audit")}
    assert all(a.startswith("cli") for a in actors), actors
    con.execute("drop trigger audit_no_update")
    con.execute("update audit set action = 'user_enable' where id = 3")
    con.commit()
    p = _cli("audit", "verify", env=env)
    assert p.returncode == 1 and json.loads(p.stdout)["broken_at"] == 3 and "broken at entry 3" in p.stderr
