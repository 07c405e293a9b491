"""Bulk upload: many files and ZIPs, background jobs, live progress, filtered results, exports."""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from ocr_core import archive, batch
from ocr_core.record import cases
from ocr_core.config import get_settings
from ocr_core.idtypes import ID_TYPES
from ocr_core.jobs import ACTIVE, get_backend
from ocr_core.loader import EXTENSIONS
from ui import messages, signin, state

signin.guard()

TYPES = [*EXTENSIONS, *archive.EXTENSIONS]

backend = get_backend(get_settings())

st.title("Bulk upload")
st.caption("Images, PDFs and ZIP archives of them. Jobs keep running if you close or reload this page; "
           "the batch stays in the address bar.")

with st.form("bulk_form", clear_on_submit=True):
    uploads = st.file_uploader("Documents", type=TYPES, accept_multiple_files=True,
                               key="bulk_files")
    case_label = st.text_input("Case (optional)", key="bulk_case", max_chars=cases.MAX_LEN,
                               help="Label every document of this upload with one case: their names and dates of "
                                    "birth are compared (the case_mismatch column).")
    go = st.form_submit_button("Process", type="primary")
if go:
    if not uploads:
        st.warning("Choose files first.")
    else:
        batch_id = batch.new_batch_id()
        try:
            _jobs, refused = batch.submit_uploads(
                backend, [(u.name, u.getvalue()) for u in uploads], batch_id=batch_id,
                engine=st.session_state.get("engine_name"), lang=st.session_state.get("lang"), case=case_label)
        except ValueError as e:  # a bad case label: nothing was queued
            st.error(str(e))
            st.stop()
        st.session_state["bulk_refused"] = refused
        st.session_state["bulk_refused_batch"] = batch_id
        st.query_params["batch"] = batch_id
        st.rerun()

for r in st.session_state.get("bulk_refused", []):
    st.error(messages.named(r["filename"], r["error"]))

recent = batch.recent_batches()
current = st.query_params.get("batch") or (recent[0]["batch_id"] if recent else None)
if not current:
    st.info("No batches yet.")
    st.stop()
labels = {b["batch_id"]: f"{b['batch_id']} ({b['n']} files)" for b in recent}
if current not in labels:
    labels = {current: current, **labels}
chosen = st.selectbox("Batch", list(labels), index=list(labels).index(current), format_func=labels.get)
if chosen != st.query_params.get("batch"):
    st.query_params["batch"] = chosen
active = any(j.status in ACTIVE for j in backend.list(batch_id=chosen))


@st.fragment(run_every=1.0 if active else None)
def results(batch_id: str) -> None:
    jobs = backend.list(batch_id=batch_id)
    refused = [batch.refused_row(r) for r in st.session_state.get("bulk_refused", [])
               if st.session_state.get("bulk_refused_batch") == batch_id]
    # one count for the bar, its text and the table: every job and every refused upload or ZIP member
    p = batch.progress(jobs, now=time.time(), refused=len(refused))
    left = "" if p["seconds_left"] is None or p["done"] == p["total"] else f" · about {p['seconds_left']:.0f} s left"
    failed = f" · {p['failed']} failed" if p["failed"] else ""
    st.progress(p["fraction"], text=f"{p['done']} / {p['total']} done{failed}{left}")
    if active and p["active"] == 0:
        st.rerun()  # finished: stop refreshing
    rows = batch.document_rows(jobs) + refused
    if not rows:
        return
    df = pd.DataFrame(rows, columns=batch.doc_columns())
    numbers = {"n_corrections", "pages", "n_ids", "n_invalid_ids", "has_invalid_id", "min_confidence", "cached",
               "seconds", "attempts"}
    text_cols = [c for c in batch.doc_columns() if c not in numbers]
    df[text_cols] = df[text_cols].astype(object).fillna("")  # a pending or refused row has no type, review or IDs yet
    # Review: "open" (a link to the document), "failed", or blank while it runs; never "None". The
    # link column shows a value's "#..." part (display_text below); "#failed" links back to this page.
    df.insert(0, "open", [state.review_link(h) + "#open" if s == "SUCCESS" else "#failed"
                          if s in ("FAILURE", batch.REFUSED) else "" for h, s in zip(df.file_hash, df.status)])
    c1, c2, c3 = st.columns([2, 2, 1])
    types = c1.multiselect("Document type", sorted(t for t in df.document_type.unique() if t), key="bulk_types")
    statuses = c2.multiselect("Status", sorted((set(df.status) | set(df.review_status)) - {""}),
                              key="bulk_status", help="job status or review status")
    invalid = c3.checkbox("Has an invalid ID", key="bulk_invalid")
    view = df
    if types:
        view = view[view.document_type.isin(types)]
    if statuses:
        view = view[view.status.isin(statuses) | view.review_status.isin(statuses)]
    if invalid:
        view = view[view.has_invalid_id.fillna(False).astype(bool)]
    id_cols = [t for t in ID_TYPES if view[t].astype(bool).any()]
    shown = ["open", "filename", "status", "review_status", "document_type", *id_cols, "n_corrections", "reviewed_by",
             "n_invalid_ids", "min_confidence", "pages", "cached", "seconds", "error"]
    shown += [c for c in ("case", "case_mismatch") if view[c].astype(bool).any()]
    table = view[shown].copy()
    for c in ("n_corrections", "n_invalid_ids", "min_confidence", "pages", "cached", "seconds"):
        # shown as text: a pending or refused row has blanks, not "None"
        table[c] = ["" if pd.isna(x) else f"{x:.2f}" if c == "min_confidence" else f"{x:g}" if c == "seconds"
                    else str(bool(x)) if c == "cached" else str(int(x)) for x in table[c]]
    st.dataframe(table, hide_index=True, width="stretch", key="bulk_table",
                 column_config={"open": st.column_config.LinkColumn("Review", display_text=r"#(open|failed)$"),
                                "review_status": st.column_config.TextColumn("review")})
    picked = [j for j in jobs if j.id in set(view.job_id)]
    shown_refused = [r for r in refused if r["filename"] in set(view.filename)]
    d1, d2, d3 = st.columns(3)
    d1.download_button("CSV (one row per document)",
                       batch.to_csv(batch.document_rows(picked) + shown_refused, batch.doc_columns()),
                       f"{batch_id}.csv", "text/csv", key="dl_docs")
    d2.download_button("CSV (one row per ID)", batch.to_csv(batch.all_id_rows(picked), batch.ID_COLUMNS),
                       f"{batch_id}-ids.csv", "text/csv", key="dl_ids")
    d3.download_button("JSON", batch.to_json(picked), f"{batch_id}.json", "application/json", key="dl_json")


results(chosen)
