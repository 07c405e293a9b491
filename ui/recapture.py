"""Ask for a new photo (a recapture request) from the review page's decision row.

Not a final decision (`ocr_core.record.decisions.set_status` with ``recapture_requested``):
operators and checkers may ask (auth.PERMISSIONS ``recapture``), four eyes does not apply, and the
reason is required, prefilled with the quality gate's reasons for this document (blurred, glare,
too small, low confidence). The new capture, uploaded later (same case), is a new document."""
from __future__ import annotations

import streamlit as st

from ocr_core.record import decisions, view
from ui import state

STATUS = decisions.RECAPTURE


def reason_input(v: view.View) -> str:
    """The reason box for a new photo, prefilled with the quality reasons (one box per document)."""
    prefill = decisions.recapture_reason(v)
    return st.text_input("Reason for a new photo", value=prefill, key=f"recapture_reason_{v.result.file_hash[:12]}",
                         placeholder="e.g. blurred, glare, too small",
                         help="Sent with the request; the quality check's reasons are filled in for you.")


def button(col, reason: str) -> tuple[str, str] | None:
    """The "Ask for a new photo" button in `col` (next to approve and reject): the action to take."""
    may = state.can("recapture")
    if col.button("Ask for a new photo", key="btn_recapture", icon=":material/photo_camera:", disabled=not may,
                  width="stretch", help=None if may else state.why_not("recapture").capitalize() + "."):
        return STATUS, reason
    return None


def status_note(v: view.View) -> None:
    """What the desk says about a document waiting for a new photo."""
    if v.row.get("review_status") == STATUS:
        st.info(f"A new photo was asked for ({v.row.get('review_reason') or 'no reason given'}) by "
                f"{v.row.get('reviewed_by') or 'someone'}: upload the new capture as a new document of the same "
                "case.", icon=":material/photo_camera:")
