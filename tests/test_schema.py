"""The schema: sqlite-utils migrations applied by the first connection, older databases opening as
they are, several processes starting at once, and each table used only by the module that owns it."""
from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import sqlite_utils

from ocr_core import metrics, schema, store
from ocr_core.record import cases, history, repository

ROOT = Path(__file__).resolve().parents[1]
TABLES = {"cache", "scans", "documents", "corrections", "audit", "ocr_jobs", "users", "sessions", "id_index",
          "cases"}
ALL_MIGRATIONS = [m.name for m in schema.migrations._migrations]


def _applied(path) -> list[str]:
    con = sqlite3.connect(str(path))
    try:
        return [r[0] for r in con.execute("select name from _sqlite_migrations where migration_set = 'ocr_core' "
                                          "order by id")]
    finally:
        con.close()


def test_a_new_database_gets_every_table_at_the_first_connect(settings):
    db = store.connect(settings.db_path)
    assert TABLES <= set(db.table_names())
    assert _applied(settings.db_path) == [m.name for m in schema.migrations._migrations]
    assert {"idx_documents_created_at", "idx_ocr_jobs_batch_id", "idx_cache_last_access"} <= \
        {i.name for t in TABLES for i in db[t].indexes}
    assert schema.apply(db) == []  # nothing left to do, nothing written


def test_every_thread_shares_the_migrated_schema(settings):
    store.connect(settings.db_path)
    seen = []
    th = threading.Thread(target=lambda: seen.append(set(store.connect(settings.db_path).table_names())))
    th.start()
    th.join()
    assert TABLES <= seen[0]


def test_a_database_from_before_migrations_opens_with_its_rows(settings):
    """Made by the old code (tables created by each module, no migrations table), and before the
    review tables existed: its rows stay, the missing tables and columns are added, every migration
    is recorded."""
    path = Path(settings.db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = sqlite_utils.Database(path)
    old["documents"].create({
        "file_hash": str, "filename": str, "media_type": str, "document_type": str, "pages": int,
        "n_ids": int, "n_invalid_ids": int, "min_confidence": float, "engine": str, "result": str,
        "created_at": float, "updated_at": float, "review_status": str, "reviewed_by": str,
        "reviewed_at": float, "review_reason": str}, pk="file_hash")
    old["documents"].create_index(["created_at"])
    old["documents"].insert({"file_hash": "c" * 64, "filename": "kept_from_before.png", "document_type": "PAN",
                             "created_at": 1.0, "updated_at": 1.0, "review_status": "pending"})
    old["scans"].create({"id": int, "time": float, "filename": str, "file_hash": str, "duration": float,
                         "cached": int, "engine": str, "engine_version": str, "document_type": str,
                         "pages": int, "n_ids": int, "n_invalid_ids": int, "error": str, "error_code": str,
                         "source": str}, pk="id")
    old.conn.close()

    db = store.connect(settings.db_path)
    assert TABLES <= set(db.table_names())
    assert _applied(path) == ALL_MIGRATIONS
    assert repository.get_row("c" * 64, store.connect())["filename"] == "kept_from_before.png"
    assert [r["file_hash"] for r in history.search().rows] == ["c" * 64]
    assert metrics.summary(db)["corrections_per_field"] == {} and metrics.documents_per_type(db) == {"PAN": 1}


def test_processes_starting_at_once_migrate_once(tmp_path):
    db_path = tmp_path / "ocr.db"
    code = ("import sys; from ocr_core import store; db = store.connect(sys.argv[1]); "
            "print(sorted(db.table_names()))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(db_path)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True,
                              env={"PATH": "/usr/bin:/bin", "OCR_KEY_FILE": str(tmp_path / "k")})
             for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e for _, e in outs]
    assert all(TABLES <= set(eval(o)) for o, _ in outs)
    assert _applied(db_path) == ALL_MIGRATIONS


def test_a_new_migration_is_applied_to_an_existing_database(settings):
    db = store.connect(settings.db_path)

    @schema.migrations(name="m999_test_only_add_column")
    def _m999(d: sqlite_utils.Database) -> None:
        d["documents"].add_column("test_only", str)

    try:
        assert schema.apply(db) == ["m999_test_only_add_column"]
        assert "test_only" in db["documents"].columns_dict
        assert schema.apply(db) == []
    finally:
        schema.migrations._migrations.pop()


def test_a_failing_migration_leaves_nothing_half_done(settings):
    db = store.connect(settings.db_path)

    @schema.migrations(name="m999_test_only_fails")
    def _m999(d: sqlite_utils.Database) -> None:
        d["half_done"].create({"id": int}, pk="id")
        raise RuntimeError("boom")

    try:
        try:
            schema.apply(db)
        except RuntimeError:
            pass
        assert "half_done" not in db.table_names()
        assert "m999_test_only_fails" not in _applied(settings.db_path)
    finally:
        schema.migrations._migrations.pop()


# ---------------------------------------------------------------- one owner per table
OWNERS = {"cache": "store.py", "scans": "store.py", "documents": "repository.py", "corrections": "repository.py",
          "audit": "auditlog.py", "ocr_jobs": "table.py", "users": "users.py", "sessions": "users.py",
          "id_index": "id_index.py", "cases": "cases.py"}
_SQL = re.compile(r"""(?:\bfrom|\binto|\bupdate|\bjoin|\btable)\s+\[?(\w+)\]?|\bdb\[["'](\w+)["']\]""", re.I)


def test_each_table_is_read_and_written_only_by_its_owner():
    """Everyone else calls the owner's functions (schema.py creates them all)."""
    strays = []
    sources = [p for pkg in ("ocr_core", "ocr_api", "ocr_worker", "ui", "pages") for p in (ROOT / pkg).rglob("*.py")]
    for path in sorted([*sources, ROOT / "app.py"]):
        if path.name == "schema.py":
            continue
        text = path.read_text(encoding="utf-8")
        for m in _SQL.finditer(text):
            table = m.group(1) or m.group(2)
            if table in OWNERS and path.name != OWNERS[table] and _in_string(text, m.start()):
                strays.append(f"{path.relative_to(ROOT)}: {table}")
    assert strays == []


def _in_string(text: str, pos: int) -> bool:
    """The match is inside SQL (a string literal) or a db["table"] subscript, not prose."""
    line = text[text.rfind("\n", 0, pos) + 1:text.find("\n", pos)]
    return ('"' in line or "'" in line) and not line.lstrip().startswith("#") and '"""' not in line
