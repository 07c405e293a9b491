"""Sign-in before any page: local accounts (ocr_core.users), or the identity provider (st.login)
when `.streamlit/secrets.toml` has an [auth] section.

The session survives reloads and new tabs: signing in creates a server-side session
(`users.start_session`, only the token's hash is stored) and a tiny same-origin script in an
iframe sets the token as the cookie `ocr_desk_session` (SameSite=Strict, Secure on https,
Max-Age = what is left of SESSION_HOURS). A new tab or a reload opens a new Streamlit session
whose first request carries the cookie (`st.context.cookies`); the token is looked up again on
every run, so sign-out, expiry, a disabled account or a changed role take effect at once.
On a first start with no account, the first visitor creates the admin account, but only while
the desk listens on 127.0.0.1 only (`server.address`).
"""
from __future__ import annotations

import inspect
import json
import time
from pathlib import Path

import streamlit as st

from ocr_core import users
from ocr_core.auth import Identity
from ocr_core.config import get_settings

COOKIE = "ocr_desk_session"
SHELL = "_run_by_app"  # set by app.py just before it runs the page
DEEP_LINK = "_deep_link"  # (page name, query params) asked for before app.py ran
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_SET = """<script>
(function() {
  const secure = window.parent.location.protocol === 'https:' ? '; Secure' : '';
  window.parent.document.cookie = %s + '=' + %s + '; Path=/; Max-Age=' + %d + '; SameSite=Strict' + secure;
})();
</script>"""
_CLEAR = """<script>
window.parent.document.cookie = %s + '=; Path=/; Max-Age=0; SameSite=Strict';
</script>"""


def _script(html: str) -> None:
    st.iframe(html, height=1, width=1)


def oidc_configured() -> bool:
    """An [auth] section in secrets.toml and a Streamlit with st.login / st.user.is_logged_in."""
    if not hasattr(st, "login"):
        return False
    try:
        return bool(st.secrets.get("auth"))
    except Exception:  # no secrets.toml at all
        return False


def _oidc_identity() -> tuple[Identity | None, str | None]:
    """(identity, refusal) for an identity-provider user signed in with st.login."""
    user = st.user
    if not getattr(user, "is_logged_in", False):
        return None, None
    email = str(user.get("email") or "")
    who = users.oidc_identity(email)
    if who is None:
        return None, f"{email or 'This account'} has no role on this desk (ask an administrator to add it to " \
                     "OIDC_ROLES or create an account with that email)."
    return who, None


def current() -> Identity | None:
    """Who is signed in to this browser session, or None."""
    token = st.session_state.get("session_token")
    if token is None and not st.session_state.get("signed_out"):
        token = st.context.cookies.get(COOKIE)  # a reload or a new tab: the cookie of an earlier sign-in
        token = token if isinstance(token, str) else None
    who = users.session_identity(token) if token else None
    if who is not None:
        st.session_state["session_token"] = token
        st.session_state["identity"] = who
        return who
    if st.session_state.get("session_token"):
        st.session_state["session_token"] = None
        st.session_state["signin_notice"] = "Your session ended (expired, signed out or the account changed). " \
                                            "Sign in again."
    if oidc_configured():
        who, refusal = _oidc_identity()
        st.session_state["oidc_refusal"] = refusal
        if who is not None:
            st.session_state["identity"] = who
            return who
    st.session_state["identity"] = None
    return None


def keep_cookie() -> None:
    """On every signed-in run: the session token in the browser's cookie (for reloads, new tabs)."""
    token = st.session_state.get("session_token")
    if not token:
        return
    left = int((users.session_expires(token) or time.time()) - time.time())
    with st.sidebar:
        _script(_SET % (json.dumps(COOKIE), json.dumps(token), max(left, 0)))


def sign_out(who: Identity) -> None:
    users.end_session(st.session_state.get("session_token"), who)
    for k in ("session_token", "identity", "revealed"):
        st.session_state.pop(k, None)
    st.session_state["signed_out"] = True
    if who.via == "oidc":
        st.logout()
    st.rerun()


def _bound_to_loopback() -> bool:
    address = (st.get_option("server.address") or "").strip()
    client = st.context.ip_address  # None for a browser on this machine
    return address in LOOPBACK and (not isinstance(client, str) or client in LOOPBACK)


def _start(who: Identity) -> None:
    st.session_state["session_token"] = users.start_session(who)
    st.session_state["identity"] = who
    st.session_state["signed_out"] = False
    st.rerun()


def _first_admin() -> None:
    st.title("Welcome to the OCR Review Desk")
    if not _bound_to_loopback():
        st.warning("No account exists yet, and this desk listens beyond this machine, so it will not let a visitor "
                   "create the administrator. On the server run:\n\n"
                   "`python -m ocr_core users add NAME --role admin`")
        st.stop()
    st.info("No account exists yet. Create the administrator account: it signs in now and can add the others "
            "(`python -m ocr_core users add NAME --role operator|checker|admin`).")
    with st.form("first_admin_form", clear_on_submit=True):
        name = st.text_input("Administrator user name", key="first_admin_name")
        pw = st.text_input("Password", type="password", key="first_admin_password",
                           help=f"at least {get_settings().password_min_length} characters")
        pw2 = st.text_input("Password again", type="password", key="first_admin_password2")
        go = st.form_submit_button("Create and sign in", type="primary", key="btn_first_admin")
    if go:
        if pw != pw2:
            st.error("The passwords differ.")
            st.stop()
        try:
            users.add_first_admin(name, pw)
            who = users.authenticate(name.strip(), pw)
        except (ValueError, users.LoginError) as e:
            st.error(str(e))
            st.stop()
        _start(who)
    st.stop()


def page() -> None:
    """The sign-in page (or the first-start page); stops the script run."""
    _script(_CLEAR % json.dumps(COOKIE))  # a cookie that did not sign in is stale: drop it
    if not users.any_users() and not oidc_configured():
        _first_admin()
    st.title("Sign in")
    notice = st.session_state.pop("signin_notice", None)
    if notice:
        st.info(notice)
    if st.session_state.get("oidc_refusal"):
        st.error(st.session_state["oidc_refusal"])
        if st.button("Sign out of the identity provider", key="btn_oidc_logout"):
            st.logout()
    if oidc_configured():
        if st.button("Sign in with your organisation's account", key="btn_oidc_login", type="primary",
                     icon=":material/login:"):
            st.login()
        st.caption("or with a desk account:")
    with st.form("signin_form", clear_on_submit=True):
        name = st.text_input("User name", key="signin_name", autocomplete="username")
        pw = st.text_input("Password", type="password", key="signin_password", autocomplete="current-password")
        go = st.form_submit_button("Sign in", type="primary", key="btn_signin")
    if go:
        try:
            who = users.authenticate(name, pw)
        except users.LoginError as e:
            st.error(str(e))
            st.stop()
        _start(who)
    st.caption(f"A sign-in lasts {get_settings().session_hours:g} h. After {get_settings().login_max_attempts} "
               "failed attempts in a row the account is locked for a while.")
    st.stop()


def guard() -> Identity:
    """The first line of every page: the signed-in identity, else the sign-in page (and stop).

    app.py signs in before it runs a page, but on a fresh server Streamlit runs `pages/<name>.py`
    directly for a deep link (its `pages/` folder mode) until some session has called
    st.navigation: such a run goes through app.py first (the link is kept for after sign-in)."""
    if not st.session_state.pop(SHELL, False):  # not run by app.py
        caller = Path(inspect.stack()[1].filename).stem
        st.session_state[DEEP_LINK] = (caller, st.query_params.to_dict())
        st.switch_page("app.py")
    who = current()
    if who is None:
        page()
    keep_cookie()
    return who  # type: ignore[return-value]
