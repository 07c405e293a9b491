"""Case view: every document of one case (one person's KYC set) side by side, with their masked
pages, the compared name and date of birth (a mismatch highlighted), and a decision per document
(the same core call and rules as the review page: role, four eyes, reasons, the version shown).

Opens the case in the URL (?case=<case key>: links from History and the review page carry the
case's keyed hash, never its label) or the one picked here. One core call for the case's data
(`cases.case_view`); the page images are the masked, verified copies (`pages.document_page`)."""
from __future__ import annotations

import streamlit as st

from ocr_core.record import cases, decisions, pages
from ui import signin, state

me = signin.guard()
state.init()
STATUS_BADGE = {"pending": ":gray-badge[pending]", "approved": ":green-badge[approved]",
                "rejected": ":red-badge[rejected]", "needs_review": ":orange-badge[needs review]",
                "recapture_requested": ":violet-badge[new photo asked for]"}
PER_ROW = 3  # documents side by side

st.title("Case")
state.show_flash()


@st.cache_data(max_entries=32, ttl=900, show_spinner=False)
def _page_png(file_hash: str, n: int, version: int) -> tuple[bytes, str | None]:
    """Page n masked and verified (a new version: drawn again)."""
    return pages.document_page(file_hash, n)


def _md(text: str) -> str:
    """A value as plain text inside markdown (no link, emphasis or directive of its own)."""
    return "".join("\\" + c if c in "\\`*_[]():#<>|~" else c for c in text)


def _value(label: str, value: str | None, differs: bool) -> str:
    shown = _md(value) if value else "not found"
    if differs:  # highlighted: another document of the case says otherwise
        return f":red-background[**{label}:** {shown}] :material/compare_arrows: differs"
    return f"**{label}:** {shown}"


# ---------------------------------------------------------------- which case
known = {c.key: f"{c.label} · {c.n_documents} document(s)" for c in cases.listing()}
qp = st.query_params.get("case")
if qp and qp != st.session_state["case_qp_seen"]:
    st.session_state["case_qp_seen"] = qp
    if qp in known:
        st.session_state["case_pick"] = qp
    else:
        st.error("The case in the link has no kept document (its documents may have been deleted).")
if st.session_state.get("case_pick") not in known:  # a case deleted since it was picked
    st.session_state["case_pick"] = None
key = st.selectbox("Case", list(known), index=None, key="case_pick", format_func=lambda k: known.get(k, k[:10]),
                   placeholder="choose a case" if known else "no case yet: give a case label when uploading")
if not key:
    st.info("Pick a case, or open one from History (its documents filtered by case) or the review page.")
    st.stop()
if st.query_params.get("case") != key:  # the URL names the case shown (a link to share, a reload)
    st.query_params["case"] = key
    st.session_state["case_qp_seen"] = key

cv = cases.case_view(key=key)
if cv is None:
    st.error("This case has no kept document any more.")
    st.stop()

# ---------------------------------------------------------------- what differs
st.subheader(f"Case {_md(cv.label)}")
st.caption(f"{len(cv.documents)} document(s) · {len(cv.mismatches)} mismatch(es) in name or date of birth "
           "(reviewed values: a correction counts)")
for m in cv.mismatches:
    st.warning(cases.describe_pair(m), icon=":material/compare_arrows:")
if not cv.mismatches and len(cv.documents) > 1:
    st.success("Names and dates of birth agree across the case's documents.", icon=":material/check:")

# ---------------------------------------------------------------- the documents side by side
seen_versions = st.session_state["case_seen"]  # a decision is about the version the previous run drew
may_decide = state.can("approve")


def _decide(d: cases.CaseDocument) -> None:
    tag = d.file_hash[:12]
    block = None if may_decide else state.why_not("approve").replace("approve needs", "Approve and reject need")
    block = block or decisions.four_eyes_block(d.file_hash, me.name)
    if block:
        st.caption(":material/lock: " + block[0].upper() + block[1:] + ".")
    elif d.needs_reason:
        st.caption(f"To approve, give a reason: {' and '.join(d.needs_reason)}.")
    reason = st.text_input("Reason (to reject or to approve)" if d.needs_reason else "Reason to reject",
                           key=f"case_reason_{tag}", disabled=bool(block),
                           placeholder="required to reject or to approve" if d.needs_reason else "required to reject")
    seen = seen_versions.get(d.file_hash, d.version)
    seen_versions[d.file_hash] = d.version
    b1, b2 = st.columns(2)
    action = None
    if b1.button("Approve", key=f"case_approve_{tag}", icon=":material/check_circle:", disabled=bool(block),
                 type="primary", width="stretch"):
        action = ("approved", reason if d.needs_reason else "")
    if b2.button("Reject", key=f"case_reject_{tag}", icon=":material/block:", disabled=bool(block), width="stretch"):
        action = ("rejected", reason)
    if action:
        try:
            decisions.set_status(d.file_hash, action[0], me, action[1], version=seen)
        except (ValueError, LookupError, PermissionError) as e:  # stale version, reason required, four eyes
            st.error(f"{d.filename}: {e}")
        else:
            state.flash("success", f"{d.filename}: marked {action[0]} by {me.name}.")
            st.rerun()


for start in range(0, len(cv.documents), PER_ROW):
    row = cv.documents[start:start + PER_ROW]
    for col, d in zip(st.columns(PER_ROW, gap="medium"), row):
        with col, st.container(border=True):
            st.markdown(f"**{_md(d.filename)}**")
            st.markdown(f"{STATUS_BADGE.get(d.review_status, d.review_status)} · **{d.document_type}** · "
                        f"{len(d.pages)} page(s) · {d.n_ids} ID(s)" + (f", {d.n_invalid} invalid" if d.n_invalid else "")
                        + (f" · reviewed by {_md(d.reviewed_by)}" if d.reviewed_by else ""))
            st.markdown(_value("Name", d.name, "name" in d.mismatched))
            st.markdown(_value("Date of birth", d.dob, "dob" in d.mismatched))
            for n in d.pages:
                try:
                    png, withheld = _page_png(d.file_hash, n, d.version)
                except LookupError as e:
                    st.error(str(e))
                    continue
                st.image(png, caption=f"page {n} · Aadhaar/VID masked" + (f" · {withheld}" if withheld else ""),
                         width="stretch")
            st.markdown(f"[Open in review]({state.review_link(d.file_hash)})")
            _decide(d)
