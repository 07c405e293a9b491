"""Session state, guarded in one place: every key any page reads is created here first."""
from __future__ import annotations

from typing import Any

import streamlit as st

from ocr_core import auth
from ocr_core.auth import Identity
from ocr_core.config import get_settings

DEFAULTS: dict[str, Any] = {
    "identity": None,  # the signed-in ocr_core.auth.Identity (ui/signin.py), checked again on every run
    "session_token": None,
    "doc_hash": None,  # the document open on the review page
    "queue": [],  # hashes uploaded in this session, in order
    "done_uploads": [],  # file_ids of uploads already processed
    "revealed": {},  # (file_hash, key) -> full number, only after an audited unmask
    "editor_seen": {},  # file_hash -> the View.version the ID editor's pending edits were made on
    "fields_shown": {},  # a field input's widget key -> the value it was shown with (unsaved edits differ)
    "qp_doc_seen": None,
    "flash": [],  # (kind, message) shown once after a rerun
    "case_qp_seen": None,  # the case page's ?case= already opened
    "case_seen": {},  # file_hash -> the View.version the case page showed (a decision is about it)
    "locked": {},  # file name -> bytes of a password-protected PDF waiting for its password (memory only)
}


def init() -> None:
    s = get_settings()
    for k, v in DEFAULTS.items():
        if k not in st.session_state:
            st.session_state[k] = v.copy() if isinstance(v, (list, dict)) else v
    st.session_state.setdefault("engine_name", s.ocr_engine)
    st.session_state.setdefault("lang", s.ocr_model_lang)


def identity() -> Identity | None:
    return st.session_state.get("identity")


def operator() -> str:
    who = identity()
    return who.name if who else ""


def can(action: str) -> bool:
    """Whether the signed-in role has `action` (ocr_core.auth.PERMISSIONS)."""
    who = identity()
    return who is not None and auth.allowed(who.role, action)


def why_not(action: str) -> str:
    who = identity()
    return auth.why_not(who.role if who else None, action)


def review_link(file_hash: str) -> str:
    """The link that opens a document on the review page, in this tab or a new one. Review is the
    default page, which Streamlit serves at the app's root ("/review" would be "page not found")."""
    return f"./?doc={file_hash}"


def flash(kind: str, message: str) -> None:
    """A message to show after the next rerun (st.rerun drops what was drawn before)."""
    st.session_state["flash"].append((kind, message))


def show_flash() -> None:
    for kind, msg in st.session_state.get("flash", []):
        getattr(st, kind)(msg)
    st.session_state["flash"] = []


def open_doc(file_hash: str | None) -> None:
    st.session_state["doc_hash"] = file_hash
    if file_hash:
        st.query_params["doc"] = file_hash
        st.session_state["qp_doc_seen"] = file_hash
    elif "doc" in st.query_params:
        del st.query_params["doc"]
