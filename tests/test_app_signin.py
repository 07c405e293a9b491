"""The desk's sign-in through AppTest, from app.py: the first start creates the admin (only while
bound to 127.0.0.1), a wrong password, sign-out, the admin's Users page, and the identity-provider
branch (st.login / st.user, its users mapped to roles) with a seeded st.user (no provider can be
reached here: AppTest's `user` stands in for what Streamlit reads from its OIDC cookie)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ocr_core import auditlog, users

from desk import PASSWORD, TIMEOUT, desk, sign_in, texts

ROOT = Path(__file__).resolve().parents[1]


def _fresh() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, texts(at.exception)
    return at


def test_first_start_asks_for_the_admin_then_signs_in(settings, app_nav):
    at = _fresh()
    assert texts(at.title) == ["Welcome to the OCR Review Desk"] and not at.sidebar.button
    at.text_input(key="first_admin_name").set_value("ada")
    at.text_input(key="first_admin_password").set_value("short")
    at.text_input(key="first_admin_password2").set_value("short")
    at.button(key="btn_first_admin").click().run()
    assert any("at least 10 characters" in e for e in texts(at.error)) and not users.any_users()
    at.text_input(key="first_admin_name").set_value("ada")
    at.text_input(key="first_admin_password").set_value(PASSWORD)
    at.text_input(key="first_admin_password2").set_value(PASSWORD)
    at.button(key="btn_first_admin").click().run()
    assert not at.exception, texts(at.exception)
    assert texts(at.title) == ["Review"] and at.session_state["identity"].role == "admin"
    assert "**ada** :violet-badge[admin]" in texts(at.sidebar.markdown)
    # the next visitor gets the sign-in form, not the set-up
    other = _fresh()
    assert texts(other.title) == ["Sign in"]
    sign_in(other, "ada", "wrong password!")
    assert "wrong user name or password" in texts(other.error) and other.session_state["identity"] is None


def test_no_first_admin_from_the_network(settings, app_nav):
    from streamlit import config

    old = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = _fresh()
    finally:
        config.set_option("server.address", old)
    assert any("users add NAME --role admin" in w for w in texts(at.warning))
    assert not at.text_input and not users.any_users()


def test_sign_out_ends_the_session_and_the_users_page_is_for_admins(settings, app_nav):
    at = desk("ada", "admin")
    token = at.session_state["session_token"]
    assert users.session_identity(token).name == "ada"
    at.switch_page("pages/users.py").run()
    assert not at.exception, texts(at.exception)
    at.text_input(key="ua_name").set_value("asha")
    at.selectbox(key="ua_role").set_value("operator")
    at.text_input(key="ua_password").set_value(PASSWORD)
    at.button(key="btn_user_add").click().run()
    assert not at.exception, texts(at.exception)
    assert users.get("asha").role == "operator"
    assert list(at.dataframe[0].value["name"]) == ["ada", "asha"]
    at.button(key="btn_signout").click().run()
    assert texts(at.title) == ["Sign in"] and users.session_identity(token) is None
    acts = [(r["operator"], r["action"]) for r in auditlog.rows(limit=20)][::-1]
    assert acts == [("test", "user_add"), ("ada", "login"), ("ada", "user_add"), ("ada", "logout")]
    # an operator has no Users page, and the page itself refuses when reached anyway
    op = desk("asha", "operator")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        op.switch_page("pages/users.py")


def _oidc(email: str, monkeypatch) -> AppTest:
    from ocr_core.config import get_settings

    monkeypatch.setenv("OIDC_ROLES", "*@bank.in:operator,chen@bank.in:checker")
    get_settings.cache_clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "desk", "client_secret": "s", "server_metadata_url":
                          "https://idp.example/.well-known/openid-configuration"}
    at.user = {"is_logged_in": True, "email": email, "name": email}
    at.run()
    assert not at.exception, texts(at.exception)
    return at


def test_identity_provider_users_get_their_mapped_role(settings, app_nav, monkeypatch):
    at = _oidc("chen@bank.in", monkeypatch)
    who = at.session_state["identity"]
    assert (who.name, who.role, who.via) == ("chen@bank.in", "checker", "oidc")
    assert texts(at.title) == ["Review"]
    at = _oidc("eve@elsewhere.in", monkeypatch)
    assert at.session_state["identity"] is None and texts(at.title) == ["Sign in"]
    assert any("has no role on this desk" in e for e in texts(at.error))
    assert at.button(key="btn_oidc_login") and at.button(key="btn_signin")
