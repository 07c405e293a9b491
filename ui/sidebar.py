"""The sidebar every page shows: who is signed in (and sign-out), engine and language, cache status."""
from __future__ import annotations

import streamlit as st

from ocr_core.auth import Identity
from ocr_core.config import get_settings
from ocr_core.engines import available_engines
from ocr_core.store import ResultCache

from . import signin, state

LANGS = ["en", "hi", "ta", "te", "kn", "mr", "bn", "gu", "pa", "ml"]


ROLE_BADGE = {"operator": ":gray-badge[operator]", "checker": ":blue-badge[checker]", "admin": ":violet-badge[admin]"}


def render(who: Identity) -> tuple[str, str, str]:
    """Draw the sidebar for the signed-in `who`; returns (operator name, engine, lang)."""
    state.init()
    with st.sidebar:
        st.markdown(f"**{who.name}** {ROLE_BADGE.get(who.role, who.role)}",
                    help="Stamped on every correction, decision and unmask.")
        # its own row, the sidebar's width: beside a long name in a column it was cut to "Sig…"
        if st.button("Sign out", key="btn_signout", icon=":material/logout:", width="stretch"):
            signin.sign_out(who)
        engines = available_engines()
        if st.session_state["engine_name"] not in engines:
            st.session_state["engine_name"] = engines[0]
        st.selectbox("OCR engine", engines, key="engine_name")
        langs = LANGS if st.session_state["lang"] in LANGS else [st.session_state["lang"], *LANGS]
        st.selectbox("Language", langs, key="lang")
        try:
            stats = ResultCache(get_settings()).stats()
            st.caption(f"Result cache: {stats['entries']} entries · {stats['hits']} hits · "
                       f"max {stats['max_size']} · TTL {stats['ttl_seconds'] // 3600} h")
        except Exception as e:  # a broken DB must not take the sidebar down
            st.caption(f":red[Cache unavailable: {e}]")
    return who.name, st.session_state["engine_name"], st.session_state["lang"]
