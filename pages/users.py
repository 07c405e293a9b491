"""Users (admins only): the desk accounts, add one, disable or enable, change a role, set a password.
The same calls as `python -m ocr_core users ...`; every change is audited with the admin's name."""
from __future__ import annotations


import pandas as pd
import streamlit as st

from ocr_core import auth, users
from ocr_core.config import get_settings
from ocr_core.timefmt import iso_utc
from ui import signin, state

me = signin.guard()
st.title("Users")
if not state.can("manage_users"):
    st.error(state.why_not("manage_users").capitalize() + ".")
    st.stop()
state.show_flash()

accounts = users.list_users()
rows = [u.to_dict() for u in accounts]
lockout = get_settings().login_max_attempts


def _state(u: users.User) -> str:
    """One column for what stops a sign-in: locked (from the lockout time, while it runs), disabled."""
    parts = ["disabled"] if u.disabled else []
    if u.locked:
        parts.append("locked until " + (iso_utc(u.locked_until) or ""))
    return ", ".join(parts) or "active"


df = pd.DataFrame({"name": [u.name for u in accounts], "role": [u.role for u in accounts],
                   "state": [_state(u) for u in accounts],
                   # a lockout clears the count it reached: while locked, the attempts that locked it
                   "failed_sign_ins": [lockout if u.locked else u.failed_attempts for u in accounts],
                   "created_at": [u.created_at for u in accounts], "last_login": [u.last_login for u in accounts]})
for col in ("created_at", "last_login"):
    df[col] = pd.to_datetime(df[col], unit="s", utc=True).dt.tz_convert(None)
st.dataframe(df, hide_index=True, width="stretch", key="users_table",
             column_config={"failed_sign_ins": st.column_config.NumberColumn(
                 "failed sign-ins", help=f"since the last good one; {lockout} lock the account for a while "
                                         "(setting a password unlocks it)")})

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Add an account")
    with st.form("user_add_form", clear_on_submit=True):
        name = st.text_input("User name", key="ua_name")
        role = st.selectbox("Role", auth.ROLES, key="ua_role")
        pw = st.text_input("Password", type="password", key="ua_password",
                           help="tell it to the person; they can have it changed by an admin")
        if st.form_submit_button("Add", type="primary", key="btn_user_add"):
            try:
                users.add(name, role, pw, actor=me.name)
            except ValueError as e:
                st.error(str(e))
            else:
                state.flash("success", f"Added {name.strip()} ({role}).")
                st.rerun()
with right:
    st.subheader("Change an account")
    names = [r["name"] for r in rows]
    target = st.selectbox("Account", names, key="uc_name")
    if target:
        u = users.get(target)
        c1, c2 = st.columns(2)
        new_role = c1.selectbox("Role", auth.ROLES, index=auth.ROLES.index(u.role), key="uc_role")
        if c2.button("Set role", key="btn_user_role", disabled=new_role == u.role or target == me.name,
                     help="you cannot change your own role" if target == me.name else None):
            users.set_role(target, new_role, actor=me.name)
            state.flash("success", f"{target} is now {new_role} (signed out everywhere).")
            st.rerun()
        label = "Enable" if u.disabled else "Disable"
        if st.button(f"{label} {target}", key="btn_user_disable", disabled=target == me.name):
            users.set_disabled(target, not u.disabled, actor=me.name)
            state.flash("success", f"{label}d {target}.")
            st.rerun()
        with st.form("user_passwd_form", clear_on_submit=True):
            pw = st.text_input(f"New password for {target}", type="password", key="uc_password")
            if st.form_submit_button("Set password (unlocks the account)", key="btn_user_passwd"):
                try:
                    users.set_password(target, pw, actor=me.name)
                except ValueError as e:
                    st.error(str(e))
                else:
                    state.flash("success", f"Password set for {target}; their sessions ended.")
                    st.rerun()
