"""The database schema: one list of sqlite-utils `Migrations`, applied once when a process first
connects to a database (`store.connect`), whatever module it imports.

Tables and the module that owns them (the only one that reads or writes them; everyone else calls
that module's functions):

    cache, scans        store.py      result cache; the log of every scan
    documents           record/repository.py  the documents kept for review and history
    corrections         record/repository.py  operator changes
    audit               auditlog.py   the audit trail (append-only, hash-chained)
    ocr_jobs            jobs/table.py background OCR jobs
    users, sessions     users.py      desk accounts and their sign-in sessions
    id_index            id_index.py   keyed hashes of the reviewed ID numbers and names (search)
    cases               record/cases.py       case labels (a keyed hash to group by, the label encrypted)

sqlite-utils records every applied migration by name in ``_sqlite_migrations`` (set
``ocr_core``), so each runs once per database. `apply` runs the pending ones in one write
transaction (``BEGIN IMMEDIATE``): two processes starting at once take turns, the second finds
nothing left to do.

To change the schema (a new table, column or index), append a migration at the end of this
module, named in order (`m002_...`, `m003_...`), and name a new table's owner in the table
above and in `tests/test_schema.py` (`OWNERS`). Never edit, rename or reorder one that has
shipped: databases out there have recorded it as applied. For example::

    @migrations()
    def m002_documents_add_language(db):
        db["documents"].add_column("language", str)

Migrations run inside that transaction (each in a savepoint: one that raises leaves nothing
behind), so they must not ``VACUUM``. `tests/test_schema.py` checks that a new migration reaches
an existing database.

`m001_initial` is the schema as it was before migrations: it uses ``if_not_exists`` throughout
so a database created by the older code (tables already there, nothing recorded) opens as it is.
"""
from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("ocr_core")


def apply(db: sqlite_utils.Database) -> list[str]:
    """Apply the pending migrations; returns their names (empty when the schema is up to date)."""
    if not migrations.pending(db):  # a read: no write lock for a database that is up to date
        return []
    db.conn.execute("BEGIN IMMEDIATE")  # waits (busy_timeout) while another process migrates
    try:
        pending = [m.name for m in migrations.pending(db)]  # again, under the lock
        migrations.apply(db)  # each migration in a savepoint inside this transaction
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    return pending


# ---------------------------------------------------------------- the migrations, oldest first
@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["cache"].create({"key": str, "file_hash": str, "engine_version": str, "result": str,
                        "created_at": float, "last_access": float, "hits": int}, pk="key", if_not_exists=True)
    db["cache"].create_index(["file_hash"], if_not_exists=True)
    db["cache"].create_index(["last_access"], if_not_exists=True)

    db["scans"].create({"id": int, "time": float, "filename": str, "file_hash": str, "duration": float,
                        "cached": int, "engine": str, "engine_version": str, "document_type": str,
                        "pages": int, "n_ids": int, "n_invalid_ids": int, "error": str, "error_code": str,
                        "source": str}, pk="id", if_not_exists=True)
    db["scans"].create_index(["time"], if_not_exists=True)
    db["scans"].create_index(["file_hash"], if_not_exists=True)

    db["documents"].create({
        "file_hash": str, "filename": str, "media_type": str, "document_type": str, "pages": int,
        "n_ids": int, "n_invalid_ids": int, "min_confidence": float, "engine": str, "result": str,
        "created_at": float, "updated_at": float, "review_status": str, "reviewed_by": str,
        "reviewed_at": float, "review_reason": str,
    }, pk="file_hash", if_not_exists=True)
    db["documents"].create_index(["created_at"], if_not_exists=True)
    db["documents"].create_index(["review_status"], if_not_exists=True)

    db["corrections"].create({"id": int, "file_hash": str, "field": str, "id_type": str, "before": str,
                              "after": str, "operator": str, "reason": str, "time": float, "meta": str},
                             pk="id", if_not_exists=True)
    db["corrections"].create_index(["file_hash"], if_not_exists=True)

    db["audit"].create({"id": int, "time": float, "operator": str, "action": str, "file_hash": str,
                        "detail": str}, pk="id", if_not_exists=True)
    db["audit"].create_index(["file_hash"], if_not_exists=True)
    db["audit"].create_index(["time"], if_not_exists=True)

    db["ocr_jobs"].create({
        "id": str, "filename": str, "file_hash": str, "status": str, "result": str,
        "created_at": float, "started_at": float, "completed_at": float, "error": str,
        "attempts": int, "batch_id": str, "engine": str, "lang": str, "error_code": str, "worker": str,
    }, pk="id", if_not_exists=True)
    for cols in (["file_hash"], ["batch_id"], ["status"], ["created_at"]):
        db["ocr_jobs"].create_index(cols, if_not_exists=True)


@migrations()
def m002_id_index(db: sqlite_utils.Database) -> None:
    """The keyed hash index of reviewed ID numbers (`id_index`)."""
    db["id_index"].create({"digest": str, "file_hash": str}, pk=("digest", "file_hash"), if_not_exists=True)
    db["id_index"].create_index(["file_hash"], if_not_exists=True)


@migrations()
def m003_documents_add_attention(db: sqlite_utils.Database) -> None:
    """Why a document needs a person (`record.repository.attention`), for the review queue."""
    if "attention" not in db["documents"].columns_dict:
        db["documents"].add_column("attention", str)


@migrations()
def m004_job_results_into_records(db: sqlite_utils.Database) -> None:
    """The document record holds a result once: a result kept with a job row (before records) that
    no record has becomes that record; then the job's copy goes. A result this key cannot read
    stays where it is."""
    from . import crypto
    from .record import repository
    from .models import DocumentResult

    rows = list(db.query("select id, file_hash, result from ocr_jobs where result is not null"))
    for r in rows:
        if db.execute("select 1 from documents where file_hash = ?", [r["file_hash"]]).fetchone() is None:
            try:
                repository.save(DocumentResult.from_dict(crypto.unseal(r["result"])), db=db)
            except ValueError:
                continue
        db.execute("update ocr_jobs set result = null where id = ?", [r["id"]])


@migrations()
def m005_sign_in(db: sqlite_utils.Database) -> None:
    """Accounts and sessions (users.py); the audit trail chained and append-only (auditlog.py)."""
    db["users"].create({"name": str, "role": str, "password_hash": str, "disabled": int, "failed_attempts": int,
                        "locked_until": float, "created_at": float, "updated_at": float,
                        "last_login": float}, pk="name", not_null={"role", "password_hash"}, if_not_exists=True)
    db["sessions"].create({"token_hash": str, "user": str, "via": str, "created_at": float, "expires_at": float},
                          pk="token_hash", if_not_exists=True)
    db["sessions"].create_index(["user"], if_not_exists=True)
    cols = db["audit"].columns_dict
    for c in ("role", "prev_hash", "hash"):
        if c not in cols:
            db["audit"].add_column(c, str)
    for op in ("UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER IF NOT EXISTS audit_no_{op.lower()} BEFORE {op} ON audit "
                   "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END")


@migrations()
def m006_id_index_names(db: sqlite_utils.Database) -> None:
    """Names searchable through the keyed index: `id_index.kind` (``id`` or ``name``), and the
    names of the documents already kept indexed (`id_index.backfill_names`)."""
    from . import crypto, id_index
    from .models import DocumentResult

    if "kind" not in db["id_index"].columns_dict:
        db["id_index"].add_column("kind", str)

    def kept():
        for h, blob in db.execute("select file_hash, result from documents where result is not null").fetchall():
            try:
                yield h, DocumentResult.from_dict(crypto.unseal(blob))
            except ValueError:
                continue  # a result this key cannot read: indexed when it is scanned again

    id_index.backfill_names(db, kept())


@migrations()
def m007_cases(db: sqlite_utils.Database) -> None:
    """Case labels (`cases`): documents of one person's KYC set, compared with each other."""
    db["cases"].create({"file_hash": str, "case_digest": str, "label": str, "created_at": float},
                       pk="file_hash", if_not_exists=True)
    db["cases"].create_index(["case_digest"], if_not_exists=True)


@migrations()
def m008_id_index_last4(db: sqlite_utils.Database) -> None:
    """Aadhaar and VID found by their last four digits: every kept document's reviewed IDs (its
    corrections applied) indexed again, now with the keyed hash of type and last four
    (`id_index.reindex_ids`)."""
    import json

    from . import crypto, id_index
    from .record.replay import apply_corrections
    from .models import DocumentResult

    def reviewed_ids():
        for h, blob in db.execute("select file_hash, result from documents where result is not null").fetchall():
            try:
                original = DocumentResult.from_dict(crypto.unseal(blob))
                rows = [{"field": f, "id_type": t, "after": crypto.decrypt_text(a) if a else "",
                         "meta": json.loads(m or "{}")}
                        for f, t, a, m in db.execute("select field, id_type, after, meta from corrections "
                                                     "where file_hash = ? order by id", [h]).fetchall()]
                yield h, apply_corrections(original, rows)[1]
            except ValueError:
                continue  # a result this key cannot read: indexed when it is scanned again

    id_index.reindex_ids(db, reviewed_ids())
