"""The sidebar every page shows: operator name, engine and language, cache status."""
from __future__ import annotations

import streamlit as st

from ocr_core.config import get_settings
from ocr_core.engines import available_engines
from ocr_core.store import ResultCache

from . import state

LANGS = ["en", "hi", "ta", "te", "kn", "mr", "bn", "gu", "pa", "ml"]


def render() -> tuple[str, str, str]:
    """Draw the sidebar; returns (operator, engine, lang)."""
    state.init()
    with st.sidebar:
        st.text_input("Operator", key="operator", placeholder="your name",
                      help="Stamped on every correction, status change and unmask.")
        if not state.operator():
            st.caption(":orange[Enter your name to review documents.]")
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
    return state.operator(), st.session_state["engine_name"], st.session_state["lang"]
