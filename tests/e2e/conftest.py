"""Real-browser fixtures: `streamlit run app.py` on a free localhost port with its own database
and key, and Debian's Chromium launched headless through Playwright (never `playwright install`)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@dataclass
class StreamlitServer:
    url: str
    db_path: Path
    key_file: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def streamlit_server(tmp_path, request):
    """The app in a subprocess; extra environment from `@pytest.mark.app_env(NAME=value, ...)`."""
    if not Path(CHROMIUM).exists():
        pytest.fail("needs Debian's Chromium at /usr/bin/chromium (scripts/setup.sh --dev installs it)")
    marker = request.node.get_closest_marker("app_env")
    port = _free_port()
    env = {**os.environ, "DB_PATH": str(tmp_path / "ocr.db"), "OCR_KEY_FILE": str(tmp_path / "secret.key"),
           "OCR_CACHE_DIR": os.environ.get("OCR_CACHE_DIR", str(ROOT / "data" / "models")),
           "PYTHONPATH": str(ROOT), **(marker.kwargs if marker else {})}
    log_path = tmp_path / "streamlit.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("streamlit did not start:\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield StreamlitServer(url, tmp_path / "ocr.db", tmp_path / "secret.key")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(autouse=True)
def _patient_expect():
    """Script runs share 2 cores with everything else (a cold engine reads two cards in tens of
    seconds): Playwright's `expect` waits up to 60 s instead of 5 s before it fails."""
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def chromium():
    """A headless Chromium browser (Playwright's sync API)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=120_000)  # a cold engine on a busy 2-core machine reads for longer than 5 s
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


PASSWORD = "correct horse battery"


@dataclass
class Accounts:
    """Desk accounts on a `streamlit_server`, made with the real CLI, and the browser's sign-in."""

    server: StreamlitServer
    made: set = field(default_factory=set)

    def add(self, name: str, role: str, password: str = PASSWORD) -> None:
        if name in self.made:
            return
        self.made.add(name)
        env = {**os.environ, "DB_PATH": str(self.server.db_path), "OCR_KEY_FILE": str(self.server.key_file),
               "LOG_LEVEL": "WARNING"}
        p = subprocess.run([sys.executable, "-m", "ocr_core", "users", "add", name, "--role", role,
                            "--password-stdin"], cwd=ROOT, env=env, input=password + "\n", text=True,
                           capture_output=True, timeout=120)
        assert p.returncode == 0, p.stderr

    @staticmethod
    def submit(page, name: str, password: str = PASSWORD) -> None:
        """Fill and send the sign-in form shown on `page`."""
        page.locator(".st-key-signin_name input").fill(name)
        page.locator(".st-key-signin_password input").fill(password)
        page.locator(".st-key-btn_signin button").click()

    def sign_in(self, page, name: str, password: str = PASSWORD, path: str = "") -> None:
        """Open the desk at `path`, sign in, wait for the signed-in sidebar and the session cookie."""
        page.goto(self.server.url + path)
        page.locator(".st-key-signin_name input").wait_for()
        self.submit(page, name, password)
        page.locator(".st-key-btn_signout button").wait_for()
        page.wait_for_function("() => document.cookie.includes('ocr_desk_session=')")


@pytest.fixture
def accounts(streamlit_server) -> Accounts:
    return Accounts(streamlit_server)
