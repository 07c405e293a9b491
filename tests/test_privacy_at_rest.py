"""Personal data at rest: a database copied off the machine after real scans, corrections and jobs
holds no ID number, name, OCR text or uploaded file name; operator delete and the retention purge really remove the
bytes; uploaded file names are never paths (API, the review page's core call, ZIP/batch)."""
from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from ocr_core import archive, crypto, files, retention
from ocr_core.record import corrections, decisions, erase, history, repository, trail, view, views
from ocr_core.intake import process_upload
from ocr_core.store import connect

ROOT = Path(__file__).resolve().parents[1]
EVIL_NAMES = ["../../etc/passwd.png", "/tmp/ocr_abs_evil.png", "..\\..\\..\\win_evil.png",
              "a/b/../../../../up_evil.png", "nul\x00byte.png", "  .png"]



def _named_by_hash(p: Path) -> bool:
    """files/xx/<sha256> (an upload) or files/masked/xx/<sha256>/<page>.png (a masked page image)."""
    if re.fullmatch(r"[0-9a-f]{64}", p.name):
        return True
    return (p.parent.parent.parent.name == "masked" and bool(re.fullmatch(r"[0-9a-f]{64}", p.parent.name))
            and bool(re.fullmatch(r"\d+\.png", p.name)))

def _raw(db_path: Path) -> bytes:
    """Every byte a copy of the database would carry: the file, its WAL and shared memory."""
    out = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(db_path) + suffix)
        if p.exists():
            out += p.read_bytes()
    return out


def _variants(value: str) -> list[bytes]:
    v = {value, value.upper(), value.lower()}
    digits = re.sub(r"\D", "", value)
    if digits and len(digits) in (12, 16) and digits == value.replace(" ", ""):
        v.add(" ".join(digits[i:i + 4] for i in range(0, len(digits), 4)))
    return [x.encode("utf-8") for x in v] + [x.encode("utf-16-le") for x in v]


def _gt(dev_dir: Path, stem: str) -> dict:
    return json.loads((dev_dir / f"{stem}.gt.json").read_text())


# ---------------------------------------------------------------- the database copied off
def test_database_copied_off_reveals_no_id_number_name_or_text(settings, engine, dev_dir, monkeypatch):
    from ocr_core.record.history import HistoryQuery
    from ocr_core.jobs import EmbeddedBackend, JobStore

    monkeypatch.setenv("UNMASK_ALLOWED", "asha")
    from ocr_core.config import get_settings

    get_settings.cache_clear()
    # file names carry a person's name: they are personal data too (documents, ocr_jobs, scans)
    names = {"aadhaar_000": "rahul_kapoor_aadhaar.png", "pan_000": "Sunita Verma PAN.png"}
    job_name = "meera_iyer_aadhaar.png"
    secrets: set[str] = {*names.values(), job_name, "rahul_kapoor", "Sunita Verma", "meera_iyer"}
    docs = []
    for stem in ("aadhaar_000", "pan_000"):
        gt = _gt(dev_dir, stem)
        for vals in gt["ids"].values():
            secrets.update(vals)
        secrets.update(v for k, v in gt["fields"].items() if v and k in ("name", "name_hi", "father_name"))
        docs.append(process_upload((dev_dir / f"{stem}.png").read_bytes(), names[stem]))
    # a job through the embedded pool (its result lands in ocr_jobs, encrypted)
    gt = _gt(dev_dir, "aadhaar_001")
    for vals in gt["ids"].values():
        secrets.update(vals)
    secrets.update(v for k, v in gt["fields"].items() if v and k in ("name", "name_hi", "father_name"))
    backend = EmbeddedBackend(settings, workers=1)
    try:
        job = backend.submit((dev_dir / "aadhaar_001.png").read_bytes(), job_name)
        (job,) = backend.wait([job.id], timeout=120)
    finally:
        backend.shutdown()
    assert job.status == "SUCCESS", job.error
    # corrections, an unmask (audited with the last 4 digits), a decision
    pan = docs[1]
    corrections.save_corrections(pan.file_hash, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha",
                            "customer Sanjay Kumar Tiwari phoned")
    secrets.add("ABCPK1234Z")
    aad = docs[0]
    key = view.view(aad.file_hash).keys[[i.type for i in aad.ids].index("AADHAAR")]
    full = decisions.unmask(aad.file_hash, key, "asha", "KYC recheck for Sanjay Kumar Tiwari")
    assert len(full) == 12
    decisions.set_status(pan.file_hash, "needs_review", "asha", "photo is not Priya Nair")
    secrets.add("Priya Nair")
    # everything the OCR read: IDs (unmasked) and every line of text longer than a word
    for res in (*docs, job.document()):
        secrets.update(i.value for i in res.ids)
        secrets.update(ln.text for pg in res.pages for ln in pg.lines if len(ln.text.strip()) >= 8)
    secrets = {s for s in secrets if s and len(s.strip()) >= 5}
    assert "Sanjay Kumar Tiwari" in secrets and "215521093999" in secrets and "EDYPK5645N" in secrets

    raw = _raw(settings.db_path)  # copied while the app is running: WAL included
    assert len(raw) > 20_000
    leaked = sorted(s for s in secrets if any(v in raw for v in _variants(s)))
    assert not leaked, f"found in the database bytes: {leaked}"
    # the tables carry ciphertext where they carry results
    db = connect()
    # the record holds the result once: the cache's entries and the job rows keep no copy
    for table in ("cache", "ocr_jobs"):
        assert db.execute(f"select count(*) from {table} where result is not null").fetchone()[0] == 0, table
    for table, col in (("documents", "result"), ("corrections", "after"), ("corrections", "reason"), ("audit", "detail"),
                       ("scans", "filename"), ("documents", "filename"), ("documents", "review_reason"),
                       ("ocr_jobs", "filename")):
        vals = [r[0] for r in db.execute(f"select {col} from {table} where {col} is not null and {col} != ''")]
        assert vals and all(v.startswith(crypto.PREFIX) for v in vals), (table, col)
    # stored files (STORE_ORIGINALS=false: the masked page images) are encrypted too, named by
    # hash, mode 0600; the key file is 0600
    stored = [p for p in files.files_dir().rglob("*") if p.is_file()]
    assert {_stored_hash(p) for p in stored} == {*(d.file_hash for d in docs), job.file_hash}
    for p in stored:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert not p.read_bytes().startswith(b"\x89PNG")
    assert stat.S_IMODE(Path(settings.ocr_key_file).stat().st_mode) == 0o600
    # and the app still reads it all back
    assert trail.audit_rows(aad.file_hash)[0]["detail"]["last4"] == full[-4:]
    assert repository.corrections(pan.file_hash, connect())[0]["reason"].startswith("customer")
    row = repository.get_row(pan.file_hash, connect())
    assert row["filename"] == "Sunita Verma PAN.png" and row["review_reason"] == "photo is not Priya Nair"
    assert views.export_dict(pan.file_hash)["review"]["reason"] == "photo is not Priya Nair"
    assert {r["filename"] for r in history.recent_documents()} >= {*names.values(), job_name}
    assert JobStore(settings).get(job.id).filename == job_name
    assert [r["filename"] for r in history.search(HistoryQuery(text="sunita verma")).rows] == ["Sunita Verma PAN.png"]
    assert [r["filename"] for r in history.search(HistoryQuery(order="filename")).rows] == \
        sorted([*names.values(), job_name], key=str.casefold)
    get_settings.cache_clear()


def test_plain_names_from_before_encryption_still_read(settings):
    """A database written before file names and reasons were encrypted keeps working unmigrated."""
    from ocr_core.record.history import HistoryQuery
    from ocr_core.jobs import JobStore

    store = JobStore(settings)
    db = connect()
    now = time.time()
    db["documents"].insert_all([
        {"file_hash": "a" * 64, "filename": "old_plain_name.png", "created_at": now, "updated_at": now,
         "review_status": "rejected", "review_reason": "blurred"},
        {"file_hash": "b" * 64, "filename": crypto.encrypt_text("new_sealed_name.png"), "created_at": now - 1,
         "updated_at": now - 1, "review_status": "pending"}])
    db["ocr_jobs"].insert({"id": "old-job", "filename": "old_plain_job.png", "file_hash": "a" * 64,
                           "status": "PENDING", "created_at": now})
    row = repository.get_row("a" * 64, connect())
    assert (row["filename"], row["review_reason"]) == ("old_plain_name.png", "blurred")
    assert repository.get_row("b" * 64, connect())["filename"] == "new_sealed_name.png"
    assert store.get("old-job").filename == "old_plain_job.png"
    assert [r["filename"] for r in history.search(HistoryQuery(order="filename")).rows] == \
        ["new_sealed_name.png", "old_plain_name.png"]
    assert history.search(HistoryQuery(text="PLAIN")).rows[0]["file_hash"] == "a" * 64
    assert history.search(HistoryQuery(text="bbbb")).rows[0]["filename"] == "new_sealed_name.png"


# ---------------------------------------------------------------- delete and purge remove the bytes
def _tokens(file_hash: str) -> list[bytes]:
    """The encrypted values stored for one document (what a copied-off file would still hold)."""
    db = connect()
    out = [r[0] for r in db.execute("select result from documents where file_hash = ?", [file_hash])]
    out += [r[0] for r in db.execute("select result from cache where file_hash = ? and result is not null", [file_hash])]
    out += [r[0] for r in db.execute("select after from corrections where file_hash = ?", [file_hash])]
    assert len(out) >= 2  # the record's result (the cache keeps an index entry only) and the correction
    return [t[len(crypto.PREFIX):][-60:].encode() for t in out]  # a distinctive tail of each token


def test_operator_delete_really_removes_the_bytes(settings, engine, dev_dir):
    keep = process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "keep.png")
    gone = process_upload((dev_dir / "pan_000.png").read_bytes(), "gone.png")
    corrections.save_corrections(gone.file_hash, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha")
    toks, keep_toks = _tokens(gone.file_hash), [t for t in _tokens_doc_only(keep.file_hash)]
    raw = _raw(settings.db_path)
    assert all(t in raw for t in toks)
    stored = files._masked_dir(gone.file_hash)  # its masked page images (STORE_ORIGINALS=false)
    assert stored.is_dir() and any(stored.iterdir())
    assert erase.delete_document(gone.file_hash, "asha")
    raw = _raw(settings.db_path)
    assert [t for t in toks if t in raw] == []
    assert not stored.exists()
    assert all(t in raw for t in keep_toks)  # the other document is untouched
    assert repository.load(keep.file_hash, connect()).ids[0].value == keep.ids[0].value
    entries = trail.audit_rows(gone.file_hash)  # the chained trail keeps its entries; the newest is the deletion
    assert entries[0]["action"] == "delete" and [t for t in toks if t in str(entries).encode()] == []


def _tokens_doc_only(file_hash: str) -> list[bytes]:
    t = connect().execute("select result from documents where file_hash = ?", [file_hash]).fetchone()[0]
    return [t[-60:].encode()]


def _backdate(file_hash: str, days: float) -> None:
    t = time.time() - days * 86400
    db = connect()
    db.execute("update documents set created_at = ?, updated_at = ? where file_hash = ?", [t, t, file_hash])
    db.execute("update cache set created_at = ?, last_access = ? where file_hash = ?", [t, t, file_hash])
    db.execute("update scans set time = ? where file_hash = ?", [t, file_hash])
    db.execute("update corrections set time = ? where file_hash = ?", [t, file_hash])
    db.execute("update ocr_jobs set created_at = ?, completed_at = ? where file_hash = ?", [t, t, file_hash])
    p = files._path(file_hash)
    if p.exists():
        os.utime(p, (t, t))


def test_purge_command_removes_old_data_and_keeps_recent(settings, engine, dev_dir):
    from ocr_core.jobs import EmbeddedBackend

    old = process_upload((dev_dir / "pan_000.png").read_bytes(), "old.png")
    corrections.save_corrections(old.file_hash, [{"key": "pan-p1-1", "type": "PAN", "value": "ABCPK1234Z"}], "asha")
    backend = EmbeddedBackend(settings, workers=1)
    try:
        j_old = backend.submit((dev_dir / "aadhaar_001.png").read_bytes(), "old-job.png")
        backend.wait([j_old.id], timeout=120)
    finally:
        backend.shutdown()
    stray = "ab" * 32  # a stored file nothing refers to any more
    files.put(stray, b"left over")
    new = process_upload((dev_dir / "aadhaar_000.png").read_bytes(), "new.png")
    toks = _tokens(old.file_hash)
    for h in (old.file_hash, j_old.file_hash, stray):
        _backdate(h, 100)
    env = {**os.environ, "DB_PATH": str(settings.db_path), "OCR_KEY_FILE": str(settings.ocr_key_file)}
    # RETENTION_DAYS=0 keeps everything
    r0 = subprocess.run([sys.executable, "-m", "ocr_core", "purge"], cwd=ROOT, capture_output=True, text=True,
                        env={**env, "RETENTION_DAYS": "0"}, timeout=120)
    assert r0.returncode == 0 and json.loads(r0.stdout)["documents"] == 0, r0.stderr
    r = subprocess.run([sys.executable, "-m", "ocr_core", "purge", "--days", "90"], cwd=ROOT, capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    counts = json.loads(r.stdout.strip().splitlines()[-1])
    assert counts["documents"] == 2 and counts["jobs"] == 1 and counts["corrections"] == 1, counts
    assert counts["files"] == 3 and counts["scans_cleared"] == 2, counts  # files: 2 documents + the stray
    assert repository.get_row(old.file_hash, connect()) is None and repository.get_row(j_old.file_hash, connect()) is None
    assert not files.exists(old.file_hash) and not files.exists(stray) and not files.exists(j_old.file_hash)
    assert repository.load(new.file_hash, connect()) is not None and files.exists(new.file_hash)
    db = connect()
    assert db.execute("select count(*) from ocr_jobs").fetchone()[0] == 0
    assert db.execute("select count(*) from corrections").fetchone()[0] == 0
    old_scans = list(db.query("select filename, error from scans where file_hash = ?", [old.file_hash]))
    assert old_scans and all(s["filename"] is None for s in old_scans)
    new_scans = list(db.query("select filename from scans where file_hash = ?", [new.file_hash]))
    assert new_scans and all(s["filename"] for s in new_scans)
    raw = _raw(settings.db_path)
    assert [t for t in toks if t in raw] == []


def test_scheduler_purges_in_the_background_and_api_starts_it(settings, engine, dev_dir, monkeypatch):
    from fastapi.testclient import TestClient

    from ocr_api import create_app
    from ocr_core.jobs import reset_backends

    old = process_upload((dev_dir / "pan_000.png").read_bytes(), "old.png")
    _backdate(old.file_hash, 40)
    s = settings.model_copy(update={"retention_days": 30})
    assert retention.start_scheduler(s.model_copy(update={"retention_days": 0})) is None
    th = retention.start_scheduler(s, first_delay=0.1, interval=0.5)
    try:
        deadline = time.monotonic() + 20
        # the purge deletes the row, then the page file: wait for both (under load the check can fall between)
        while (repository.get_row(old.file_hash, connect()) is not None or files.exists(old.file_hash)) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert repository.get_row(old.file_hash, connect()) is None and not files.exists(old.file_hash)
        assert th.is_alive() and retention.start_scheduler(s) is th  # one per process and database
    finally:
        retention.stop_schedulers()
    th.join(5)
    assert not th.is_alive()
    # the API's lifespan starts one
    with TestClient(create_app(s, warm_engine=False)):
        running = [t for t in threading.enumerate() if t.name == "ocr-retention"]
        assert len(running) == 1
    running[0].join(5)
    assert not running[0].is_alive()  # stopped with the app
    reset_backends()


# ---------------------------------------------------------------- upload names are never paths
def _png(seed: int) -> bytes:
    im = Image.new("RGB", (120, 60), (255, 255, 255))
    im.putpixel((seed % 120, 1), (0, 0, 0))
    b = io.BytesIO()
    im.save(b, "PNG")
    return b.getvalue()


def _tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")} if root.exists() else set()


def _stored_hash(p: Path) -> str | None:
    """The file hash a stored file is named by: an upload (``<sha256>``) or a masked page image
    (``masked/<sha256>/<page>.png``); None for any other name."""
    if re.fullmatch(r"[0-9a-f]{64}", p.name):
        return p.name
    if re.fullmatch(r"\d+\.png|\.version", p.name) and re.fullmatch(r"[0-9a-f]{64}", p.parent.name):
        return p.parent.name  # (.version: what the masked pages were made from, files.masked_version)
    return None


def test_upload_names_are_never_used_as_paths(settings, engine, tmp_path, dev_dir):
    from fastapi.testclient import TestClient

    from ocr_api import create_app
    from ocr_core.jobs import reset_backends

    data_dir = Path(settings.db_path).parent
    outside = tmp_path.parent
    before = _tree(outside) - _tree(data_dir)
    etc_before = set(os.listdir("/etc")) if os.path.isdir("/etc") else set()
    seen_names = []
    try:
        with TestClient(create_app(settings)) as c:
            for i, name in enumerate(EVIL_NAMES):
                r = c.post("/ocr-api/paddleocr/predict", files={"file": (name, _png(i), "image/png")})
                assert r.status_code == 200, r.text
                assert "/" not in r.json()["filename"] and "\\" not in r.json()["filename"]
                seen_names.append(r.json()["filename"])
                r = c.post("/ocr-api/paddleocr/predict-async", files={"file": (name, _png(100 + i), "image/png")})
                assert r.status_code == 202, r.text
                url = r.json()["status_url"]
                deadline = time.monotonic() + 60
                while (st := c.get(url).json())["status"] not in ("SUCCESS", "FAILURE") and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert st["status"] == "SUCCESS", st
    finally:
        reset_backends()
    # the review page's core call keeps the name as a label only
    for i, name in enumerate(EVIL_NAMES):
        res = process_upload(_png(200 + i), name)
        assert res.filename == name and repository.get_row(res.file_hash, connect())["filename"] == name
    # a ZIP whose members climb out is refused whole, by the archive reader and by the batch path
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("ok.png", _png(300))
        z.writestr("../../../zip_evil.png", _png(301))
    with pytest.raises(archive.ArchiveError, match="leaves the archive"):
        archive.extract_zip(zbuf.getvalue())
    zpath = tmp_path / "in" / "climb.zip"
    zpath.parent.mkdir()
    zpath.write_bytes(zbuf.getvalue())
    from ocr_core.batch import run_batch

    counts = run_batch([zpath], tmp_path / "out.csv", show_progress=False, settings=settings, timeout=60)
    reset_backends()
    assert counts["failed"] == 1 and counts["succeeded"] == 0
    assert "leaves the archive" in (tmp_path / "out.csv").read_text()
    # nothing was written outside the data folder (beyond this test's own in/ and out.csv)
    after = _tree(outside) - _tree(data_dir)
    new = {p for p in after - before if not str(p).startswith(str(tmp_path / "in")) and p != tmp_path / "out.csv"}
    assert new == set(), new
    assert set(os.listdir("/etc")) == etc_before if etc_before else True
    for p in ("/tmp/ocr_abs_evil.png", "/etc/passwd.png"):
        assert not Path(p).exists()
    assert not any("evil" in p.name for p in _tree(data_dir) | _tree(outside))
    stored = [p for p in _tree(files.files_dir()) if p.is_file()]
    assert stored and all(_stored_hash(p) for p in stored)
