"""Sign-in in a real Chromium against `streamlit run app.py`: no page before sign-in (not even by
URL), a wrong password, the session surviving a reload and a History link opened in a new tab,
sign-out, the lockout after LOGIN_MAX_ATTEMPTS, four eyes (a checker who corrected a document
cannot approve it; another can), and an admin's unmask audited with who and why."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest

pytestmark = pytest.mark.browser


def _signed_in_as(page, name: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stSidebar"]').get_by_text(name, exact=True)).to_be_visible()
    expect(page.locator(".st-key-signin_name")).to_have_count(0)


def _fresh(key: str, inner: str = "button") -> str:
    """The widget of this script run (Streamlit keeps the previous run's, marked stale, meanwhile)."""
    return f'.st-key-{key}:not([data-stale="true"]) {inner}'


def _wait_for_audit(server, name: str, n: int, timeout: float = 60) -> None:
    import time

    deadline = time.monotonic() + timeout
    while _audit(server, "select count(*) from audit where operator = ?", [name])[0][0] < n:
        assert time.monotonic() < deadline, f"no audit entry {n} for {name}"
        time.sleep(0.2)


def _audit(server, sql: str, args=()):
    con = sqlite3.connect(server.db_path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


@pytest.mark.app_env(LOGIN_MAX_ATTEMPTS="3", LOGIN_LOCKOUT_MINUTES="10")
def test_sign_in_reload_new_tab_sign_out_and_lockout(streamlit_server, chromium, accounts, dev_dir):
    from playwright.sync_api import expect

    url = streamlit_server.url
    for name, role in (("asha", "operator"), ("mallory", "operator")):
        accounts.add(name, role)
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.set_default_timeout(120_000)

    # no page before sign-in, not even by its URL
    page.goto(f"{url}/history")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_have_count(0)

    # a wrong password: refused, said plainly
    accounts.submit(page, "asha", "not the password")
    expect(page.get_by_text("wrong user name or password")).to_be_visible()
    expect(page.locator(".st-key-btn_signout")).to_have_count(0)

    # sign in: the page asked for (History) opens, the session cookie is set
    accounts.submit(page, "asha")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    _signed_in_as(page, "asha")
    page.wait_for_function("() => document.cookie.includes('ocr_desk_session=')")
    cookie = next(c for c in ctx.cookies() if c["name"] == "ocr_desk_session")
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    # only the token's hash is stored
    stored = _audit(streamlit_server, "select token_hash from sessions")
    assert stored == [(hashlib.sha256(cookie["value"].encode()).hexdigest(),)]

    # a reload: still signed in
    page.reload()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    _signed_in_as(page, "asha")

    # a document in History, and its link (./?doc=..., the review page) opened in a new tab: still signed in
    page.goto(url)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(dev_dir / "pan_000.png"))
    expect(page.get_by_role("heading", name="pan_000.png")).to_be_visible()
    h = hashlib.sha256((dev_dir / "pan_000.png").read_bytes()).hexdigest()
    page.goto(f"{url}/history")
    expect(page.get_by_text("1 documents · page 1 of 1")).to_be_visible()
    tab = ctx.new_page()
    tab.goto(f"{url}/history")
    tab.goto(f"{url}/?doc={h}")  # what the History row's "open" link points to, from /history
    expect(tab.get_by_role("heading", name="pan_000.png")).to_be_visible()
    expect(tab.get_by_text("Page not found")).to_have_count(0)
    _signed_in_as(tab, "asha")
    expect(tab.locator(".st-key-btn_save")).to_be_visible()

    # sign out in the tab: the session is gone server-side; a reload of the first tab asks to sign in
    tab.locator(".st-key-btn_signout button").click()
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()
    assert _audit(streamlit_server, "select count(*) from sessions") == [(0,)]
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    tab.reload()
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()

    # the lockout: three wrong passwords, then even the right one is refused; audited
    other = chromium.new_context().new_page()
    other.set_default_timeout(120_000)
    other.goto(url)
    for i in range(3):
        other.locator(".st-key-signin_name input").wait_for()
        accounts.submit(other, "mallory", f"guess number {i}")
        _wait_for_audit(streamlit_server, "mallory", i + 1)  # this attempt was handled
    expect(other.get_by_text("the account is now locked for 10 min after 3 failed sign-ins")).to_be_visible()
    accounts.submit(other, "mallory")
    expect(other.get_by_text("this account is locked after 3 failed sign-ins")).to_be_visible()
    expect(other.locator(".st-key-btn_signout")).to_have_count(0)
    acts = [r[0] for r in _audit(streamlit_server, "select action from audit where operator = 'mallory' order by id")]
    assert acts == ["login_failed", "login_failed", "lockout", "login_locked"]
    ctx.close()


def test_four_eyes_and_an_admins_unmask_is_audited(streamlit_server, chromium, accounts, dev_dir, monkeypatch):
    from playwright.sync_api import expect

    for name, role in (("ravi", "checker"), ("chen", "checker"), ("ada", "admin")):
        accounts.add(name, role)
    card = dev_dir / "aadhaar_000.png"
    h = hashlib.sha256(card.read_bytes()).hexdigest()

    def signed_in(name: str):
        page = chromium.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        page.set_default_timeout(120_000)
        accounts.sign_in(page, name)
        return page

    def settled(page) -> None:
        page.wait_for_function("""() => document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState
                                        === 'notRunning' && !document.querySelector('[data-stale="true"]')""")

    # ravi (a checker) uploads the card and adds an ID: a correction of his
    ravi = signed_in("ravi")
    ravi.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(card))
    expect(ravi.get_by_role("heading", name="aadhaar_000.png")).to_be_visible()
    ravi.get_by_text("Region re-OCR: draw a rectangle on the page").wait_for()
    # the correction goes through the core as ravi (the ID grid is a canvas; typing into it is
    # covered by test_browser_review): the four-eyes rule reads who made the document's corrections
    with monkeypatch.context() as m:
        from ocr_core import auth, store
        from ocr_core.record import corrections, trail
        from ocr_core.config import get_settings

        m.setenv("DB_PATH", str(streamlit_server.db_path))
        m.setenv("OCR_KEY_FILE", str(streamlit_server.key_file))
        get_settings.cache_clear()
        corrections.add_id(h, "PAN", "ABCPK1234Z", auth.Identity("ravi", "checker"), reason="printed on the back")
        store.close_all()
        get_settings.cache_clear()
    ravi.reload()
    expect(ravi.get_by_role("heading", name="aadhaar_000.png")).to_be_visible()
    _signed_in_as(ravi, "ravi")
    expect(ravi.get_by_text("Four eyes: you corrected this document (1 change(s)), so another checker must "
                            "approve or reject it (MAKER_CHECKER).")).to_be_visible()
    expect(ravi.locator(_fresh("btn_approve"))).to_be_disabled()
    expect(ravi.locator(_fresh("btn_reject"))).to_be_disabled()

    # chen, another checker, may approve it
    chen = signed_in("chen")
    chen.goto(f"{streamlit_server.url}/?doc={h}")
    expect(chen.get_by_role("heading", name="aadhaar_000.png")).to_be_visible()
    settled(chen)
    expect(chen.locator(_fresh("btn_unmask"))).to_be_disabled()  # unmask is an admin's
    expect(chen.get_by_text("Unmask needs the admin role")).to_be_visible()
    chen.locator(_fresh("btn_approve")).click()
    expect(chen.get_by_text("Marked approved by chen.")).to_be_visible()

    # ada, an admin, unmasks with a reason: audited with who, role and why
    ada = signed_in("ada")
    ada.goto(f"{streamlit_server.url}/?doc={h}")
    expect(ada.get_by_role("heading", name="aadhaar_000.png")).to_be_visible()
    settled(ada)
    ada.locator(_fresh("unmask_reason", "input")).fill("customer called to confirm the number")
    ada.locator(_fresh("unmask_reason", "input")).press("Enter")
    settled(ada)
    ada.locator(_fresh("btn_unmask")).click()
    expect(ada.get_by_text("1 number(s) shown unmasked (logged in the audit trail).")).to_be_visible()
    rows = _audit(streamlit_server, "select operator, role, action from audit where file_hash = ? order by id", [h])
    assert rows == [("ravi", "checker", "add_id"), ("chen", "checker", "approve"), ("ada", "admin", "unmask")]
    with monkeypatch.context() as m:
        m.setenv("DB_PATH", str(streamlit_server.db_path))
        m.setenv("OCR_KEY_FILE", str(streamlit_server.key_file))
        get_settings.cache_clear()
        last = trail.audit_rows(h)[0]
        assert last["detail"]["reason"] == "customer called to confirm the number"
        from ocr_core import auditlog

        assert auditlog.verify().ok
        store.close_all()
        get_settings.cache_clear()
