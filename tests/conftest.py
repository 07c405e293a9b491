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
    """The PaddleOCR engine (`paddleocr`, PP-OCRv6 small), loaded once for the whole session."""
    from ocr_core.engines import get_engine

    return get_engine("paddleocr", "en")


def _shared(name: str, what: str) -> Path:
    d = SHARED / "data" / name
    if not d.is_dir():  # a user who clones the project alone has no ../shared
        pytest.skip(f"needs ../shared/data/{name} (the shared {what} is not beside this checkout)")
    return d


@pytest.fixture(scope="session")
def dev_dir() -> Path:
    return _shared("dev", "specimen set")


@pytest.fixture(scope="session")
def real_dir() -> Path:
    return _shared("real", "real-document set")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def app_nav(monkeypatch):
    """Every AppTest run goes through app.py's st.navigation, as under `streamlit run`.

    AppTest re-detects the `pages/` folder before every run and then replays the last page as a
    v1 page script, skipping app.py; `streamlit run` switches that detection off for good once
    st.navigation is called. The process-wide job backend is shut down after the test."""
    from streamlit.runtime.pages_manager import PagesManager

    orig = PagesManager.__init__

    def init(self, *a, **kw):
        orig(self, *a, **kw)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    yield
    from ocr_core.jobs import reset_backends

    reset_backends()


@pytest.fixture(scope="session")
def unseen_gen():
    """bench/unseen.py, the generator of labelled documents in layouts the dev set does not have."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("unseen", ROOT / "bench" / "unseen.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["unseen"] = mod  # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod
