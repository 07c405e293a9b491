"""Helpers for AppTest runs of the desk: accounts in the test's database and a signed-in session."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180
PASSWORD = "correct horse battery"


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def make_user(name: str, role: str = "checker", password: str = PASSWORD) -> None:
    """The account, unless it exists (same role)."""
    from ocr_core import users

    u = users.get(name)
    if u is None:
        users.add(name, role, password, actor="test")
    else:
        assert u.role == role, (name, u.role, role)


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    """Fill and send the sign-in form (the app must be showing it)."""
    at.text_input(key="signin_name").set_value(name)
    at.text_input(key="signin_password").set_value(password)
    at.button(key="btn_signin").click().run()
    return at


def desk(name: str | None = "asha", role: str = "checker", *, query: dict | None = None) -> AppTest:
    """app.py in AppTest, signed in as `name` (created with `role` when missing); name None: not signed in."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if name:
        make_user(name, role)
    at.run()
    assert not at.exception, texts(at.exception)
    if name:
        sign_in(at, name)
        assert not at.exception, texts(at.exception)
        assert at.session_state["identity"].name == name, texts(at.error)
    return at
