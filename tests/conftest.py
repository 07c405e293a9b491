"""Shared fixtures. The real engine is loaded once per test session; every test that writes gets
its own SQLite file and key file under tmp_path (never data/)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).parent / "fixtures"

# model folders are built once per checkout, outside any test's tmp dir
os.environ.setdefault("OCR_CACHE_DIR", str(ROOT / "data" / "models"))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")


@pytest.fixture(scope="session", autouse=True)
def _session_db(tmp_path_factory):
    """A default database and key for tests that do not ask for `settings`."""
    d = tmp_path_factory.mktemp("session-data")
    os.environ["DB_PATH"] = str(d / "ocr.db")
    os.environ["OCR_KEY_FILE"] = str(d / "secret.key")
    from ocr_core.config import get_settings

    get_settings.cache_clear()
    yield d


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Fresh settings pointing at a database and key file of this test's own."""
    from ocr_core import store
    from ocr_core.config import get_settings

    monkeypatch.setenv("DB_PATH", str(tmp_path / "ocr.db"))
    monkeypatch.setenv("OCR_KEY_FILE", str(tmp_path / "secret.key"))
    get_settings.cache_clear()
    yield get_settings()
    store.close_all()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def engine():
    """The default PaddleOCR engine, loaded once for the whole session."""
    from ocr_core.engines import get_engine

    return get_engine("paddleocr", "en")


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    d = SHARED / "data" / "dev"
    if not d.is_dir():
        pytest.skip("needs ../shared/data/dev (the shared specimen set is not beside this checkout)")
    return d


@pytest.fixture(scope="session")
def real_dir() -> Path:
    d = SHARED / "data" / "real"
    if not d.is_dir():
        pytest.skip("needs ../shared/data/real (the shared real-document set is not beside this checkout)")
    return d


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
