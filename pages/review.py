"""Review page: upload or open a document, see its boxes, correct IDs and named fields, approve or reject.

Opens a stored document when the URL has ?doc=<file_hash> (links from history and bulk)."""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from ocr_core.record import cases, decisions, erase, history, repository, trail, view, views
from ocr_core import quality
from ocr_core.store import connect
from ocr_core.errors import EncryptedPDFError, OCRError
from ocr_core.intake import process_upload
from ocr_core.loader import EXTENSIONS
from ui import pages_view, recapture, review_parts, shortcuts, signin, state
from ui.messages import error_text

who = signin.guard()
state.init()
operator = who.name
engine_name, lang = st.session_state["engine_name"], st.session_state["lang"]
UPLOAD_TYPES = list(EXTENSIONS)
STATUS_BADGE = {"pending": ":gray-badge[pending]", "approved": ":green-badge[approved]",
                "rejected": ":red-badge[rejected]", "needs_review": ":orange-badge[needs review]",
                "recapture_requested": ":violet-badge[new photo asked for]"}

st.title("Review")
state.show_flash()

# ---------------------------------------------------------------- open from the URL (?doc=<hash>)
qp = st.query_params.get("doc")
if qp and qp != st.session_state["qp_doc_seen"]:
    st.session_state["qp_doc_seen"] = qp
    if repository.get_row(qp, connect()):
        st.session_state["doc_hash"] = qp
    else:
        st.error("The document in the link is not stored (it may have been deleted).")

# ---------------------------------------------------------------- upload or open from history
c_up, c_hist = st.columns([3, 2])
with c_up:
    uploads = st.file_uploader("Upload images or PDFs", type=UPLOAD_TYPES, accept_multiple_files=True,
                               key="review_upload")
    case_label = st.text_input("Case (optional)", key="review_case", max_chars=cases.MAX_LEN,
                               placeholder="e.g. LOAN-2026-0042",
                               help="Documents of one case (one person's KYC set) get their names and dates of "
                                    "birth compared.")
new = [u for u in uploads or [] if u.file_id not in st.session_state["done_uploads"]]
if new:
    opened = None
    with st.status(f"Reading {len(new)} file(s)…", expanded=True) as status:
        failed = 0
        for u in new:
            st.session_state["done_uploads"].append(u.file_id)
            status.update(label=f"Reading {u.name}…")
            t0 = time.perf_counter()
            try:
                res = process_upload(u.getvalue(), u.name, engine=engine_name, lang=lang, source_label="ui",
                                     case=case_label)
            except EncryptedPDFError as e:  # kept in memory only, until its password is entered below
                failed += 1
                st.session_state["locked"][u.name] = u.getvalue()
                st.error(f"{u.name}: {e}")
                continue
            except OCRError as e:
                failed += 1
                st.error(f"{u.name}: {error_text(e)}")
                continue
            except ValueError as e:  # a bad case label
                failed += 1
                st.error(f"{u.name}: {e}")
                continue
            took = time.perf_counter() - t0
            n_bad = sum(not i.valid for i in res.ids)
            st.write(f"{u.name}: {res.document_type}, {len(res.ids)} ID(s)" + (f", {n_bad} invalid, " if n_bad else ", ")
                     + ("from the cache" if res.cached else f"read in {took:.1f} s"))
            if res.file_hash not in st.session_state["queue"]:
                st.session_state["queue"].append(res.file_hash)
            opened = opened or res.file_hash
        status.update(label=f"Read {len(new) - failed} of {len(new)} file(s)",
                      state="error" if failed else "complete", expanded=bool(failed))
    if opened:
        state.open_doc(opened)
if st.session_state["locked"]:
    review_parts.unlock_form(engine_name, lang)

with c_hist:
    recent = history.recent_documents(100)
    names = {r["file_hash"]: f"{r['filename']} · {r['document_type']} · {r['review_status']}" for r in recent}

    def _open_from_history() -> None:
        state.open_doc(st.session_state["history_pick"])

    st.selectbox("Open from history", list(names), index=None, key="history_pick", placeholder="recent documents",
                 format_func=lambda h: names.get(h, h[:12]), on_change=_open_from_history)

shortcuts.install({"a": "btn_approve", "r": "btn_reject", "n": "btn_next"})
doc_hash = st.session_state["doc_hash"]
if not doc_hash:
    st.info("Upload a document or open one from history to start reviewing.")
    st.stop()

v = view.view(doc_hash)
if v is None:
    st.error("This document is no longer stored.")
    state.open_doc(None)
    st.stop()

# ---------------------------------------------------------------- header
res, row = v.result, v.row
st.subheader(res.filename)
st.markdown(f"{STATUS_BADGE.get(row.get('review_status'), row.get('review_status'))} · **{res.document_type}** "
            f"· {len(res.pages)} page(s) · {len(res.ids)} ID(s)"  # an ID that failed its check is one too
            f", {len(v.invalid)} invalid · {v.n_corrections} correction(s)"
            + (f" · reviewed by {row['reviewed_by']}" if row.get("reviewed_by") else "")
            + (" · :blue-badge[cached result]" if res.cached else ""))
if row.get("review_reason"):
    st.caption(f"Reason: {row['review_reason']}")
if len(res.pages) > 1:  # a bundle is MIXED: say what each page is
    st.caption("Pages: " + " · ".join(f"{p.number}: {p.document_type}" for p in res.pages))
if quality.capture_reasons(res.quality):  # the capture's fault: a new photo, not a closer look, fixes it
    st.error("Unusable capture. " + " · ".join(quality.advice(r) for r in quality.capture_reasons(res.quality)),
             icon=":material/photo_camera:")
elif not res.quality.get("ok", True):
    st.warning("Check this document closely: " + ", ".join(res.quality.get("reasons", [])))
case_now = cases.label_of(doc_hash)
if case_now:
    st.caption(f"Case: {case_now} · {len(cases.members(doc_hash))} other document(s)")
    for m in cases.mismatches(doc_hash, res):
        st.warning(cases.describe(m)[0].upper() + cases.describe(m)[1:], icon=":material/compare_arrows:")
    st.page_link("pages/case.py", label="The case's documents side by side", icon=":material/folder_shared:",
                 query_params={"case": cases.of_documents([doc_hash])[doc_hash][0]})

left, right = st.columns([3, 2], gap="medium")
with left:
    page_no = review_parts.page_view(v)
with right:
    review_parts.lines_table(v, page_no)

review_parts.qr_panel(v)

st.markdown("#### Detected IDs")
edits = review_parts.id_editor(v, who)
st.markdown("#### Named fields")
pages_view.page_fields(v)  # a bundle: each page's fields under its type
review_parts.field_editor(edits)
review_parts.save_box(v, who, edits)
review_parts.unmask_box(v, who)

# ---------------------------------------------------------------- status
st.markdown("#### Decision")
# who may decide: the checker role, and (MAKER_CHECKER) not on a document one corrected
decide_block = None if state.can("approve") else state.why_not("approve").replace("approve needs",
                                                                                   "Approve and reject need")
decide_block = decide_block or decisions.four_eyes_block(doc_hash, operator)
if decide_block:
    st.warning(decide_block[0].upper() + decide_block[1:] + ".", icon=":material/lock:")
# approving a document with no ID or of type UNKNOWN needs a reason too (the core refuses without it)
approve_why = decisions.approval_needs_reason(v)
if approve_why and not decide_block:
    st.info(f"To approve, give a reason: {' and '.join(approve_why)}.", icon=":material/help:")
reject_reason = st.text_input("Reason (to reject or to approve)" if approve_why else "Reason to reject",
                              key=f"reject_reason_{doc_hash[:12]}",  # one per document
                              placeholder="required to reject or to approve" if approve_why else "required to reject")
recapture_why = recapture.reason_input(v)  # prefilled with the quality reasons
recapture.status_note(v)
# a decision is about the version shown: the one the previous run drew (a change since is refused)
seen_versions = st.session_state.setdefault("decide_seen", {})
seen_version = seen_versions.get(doc_hash, v.version)
seen_versions[doc_hash] = v.version
b1, b2, b5, b3, b4 = st.columns(5)
action = None
if b1.button("Approve (A)", key="btn_approve", icon=":material/check_circle:", disabled=bool(decide_block),
             type="primary", width="stretch"):
    action = ("approved", reject_reason if approve_why else "")
if b2.button("Reject (R)", key="btn_reject", icon=":material/block:", disabled=bool(decide_block), width="stretch"):
    action = ("rejected", reject_reason)
action = recapture.button(b5, recapture_why) or action
if b3.button("Needs review", key="btn_needs_review", icon=":material/flag:", disabled=not state.can("needs_review"),
             width="stretch"):
    action = ("needs_review", reject_reason)
if b4.button("Next document (N)", key="btn_next", icon=":material/skip_next:", width="stretch"):
    nxt = history.next_document(doc_hash)
    if nxt:
        state.open_doc(nxt)
        st.rerun()
    st.info("No other document is waiting for review.")
if action:
    try:
        decisions.set_status(doc_hash, action[0], who, action[1], version=seen_version)
    except (ValueError, LookupError, PermissionError) as e:  # StaleVersionError, ReasonRequiredError: ValueErrors
        st.error(str(e))
    else:
        state.flash("success", f"Marked {action[0].replace('_', ' ')} by {operator}.")
        st.rerun()
st.caption("Shortcuts (outside text fields): **A** approve · **R** reject · **N** next document")

# ---------------------------------------------------------------- region re-OCR, downloads, audit, delete
if st.toggle("Region re-OCR: draw a rectangle on the page", key="region_mode"):
    review_parts.region_reocr(v, page_no, who, engine_name, lang)

d1, d2 = st.columns(2)
stem = res.filename.rsplit(".", 1)[0]
d1.download_button("Result as JSON", icon=":material/download:", data=views.export_json(doc_hash),
                   file_name=f"{stem}.json", mime="application/json", key="dl_json", width="stretch")
d2.download_button("IDs as CSV", icon=":material/download:", data=views.export_csv(doc_hash),
                   file_name=f"{stem}.csv", mime="text/csv", key="dl_csv", width="stretch")

with st.expander("Audit trail"):
    if state.can("audit"):
        audit_df = pd.DataFrame(trail.audit_trail(doc_hash), columns=["time", "operator", "role", "action",
                                                                       "id_type", "field", "before", "after",
                                                                       "reason"])
        audit_df["time"] = pd.to_datetime(audit_df["time"], unit="s")
        text_cols = [c for c in audit_df.columns if c != "time"]
        audit_df[text_cols] = audit_df[text_cols].astype(object).fillna("")  # an empty cell, not "None"
        st.dataframe(audit_df, hide_index=True, key="audit_table",
                     column_config={"time": st.column_config.DatetimeColumn("time", format="YYYY-MM-DD HH:mm:ss")})
    else:
        st.caption(state.why_not("audit").capitalize() + ".")

with st.expander("Delete this document"):
    if not state.can("delete"):
        st.caption(state.why_not("delete").capitalize() + ".")
    sure = st.checkbox("Delete the stored file, its result and corrections", key="delete_confirm",
                       disabled=not state.can("delete"))
    if st.button("Delete", key="btn_delete", icon=":material/delete:", disabled=not (sure and state.can("delete"))):
        erase.delete_document(doc_hash, who)
        st.session_state["queue"] = [h for h in st.session_state["queue"] if h != doc_hash]
        state.open_doc(None)
        state.flash("success", "Document deleted.")
        st.rerun()
