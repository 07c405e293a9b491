"""History: every processed document, searchable and filterable, paged; open in review; delete."""
from __future__ import annotations


import pandas as pd
import streamlit as st

from ocr_core.record import cases, erase, history, views
from ocr_core.record.repository import REVIEW_STATUSES
from ui import signin, state

me = signin.guard()
st.title("History")

c1, c2, c3 = st.columns([3, 2, 2])
text = c1.text_input("Search", placeholder="file name, file hash, ID number (an Aadhaar's last four too), name or case",
                     key="hist_text",
                     help="An ID number, an Aadhaar's or VID's last four digits (1234 or XXXX XXXX 1234: every "
                          "document ending so), a name (whole, or some of its words) and a case label are matched "
                          "through keyed hashes: the database holds none of them in clear.")
dates = c2.date_input("Processed between", value=(), key="hist_dates")
order = c3.selectbox("Order", list(history.ORDERS), key="hist_order")
c4, c5, c6, c7, c8 = st.columns(5)
types = c4.multiselect("Document type", history.document_types(), key="hist_types")
statuses = c5.multiselect("Review status", list(REVIEW_STATUSES), key="hist_status")
who = c6.selectbox("Operator", ["", *history.operators()], key="hist_operator")
inv = c7.selectbox("Invalid IDs", ["any", "with invalid IDs", "none invalid"], key="hist_invalid")
case_names = {c.key: f"{c.label} ({c.n_documents})" for c in cases.listing()}
if st.session_state.get("hist_case") not in case_names:  # a case whose documents were deleted since
    st.session_state["hist_case"] = None
case = c8.selectbox("Case", list(case_names), index=None, key="hist_case", format_func=lambda k: case_names.get(k, ""),
                    placeholder="any case", help="Only the documents uploaded with this case label.")
size = 25
dates = list(dates) if isinstance(dates, (list, tuple)) else [dates]
q = history.HistoryQuery(text=text, date_from=dates[0] if dates else None,
                         date_to=dates[1] if len(dates) > 1 else (dates[0] if dates else None),
                         document_types=types, review_statuses=statuses, operator=who,
                         invalid={"any": None, "with invalid IDs": True, "none invalid": False}[inv], case=case or "",
                         page=st.session_state.get("hist_page", 1), page_size=size, order=order)
res = history.search(q)
st.caption(f"{res.total} documents · page {res.page} of {res.pages}")
if case and st.button(f"Open the case view of {case_names[case]}", key="hist_open_case",
                      icon=":material/folder_shared:"):
    st.switch_page("pages/case.py", query_params={"case": case})
if res.rows:
    df = pd.DataFrame(res.rows)
    for col in ("created_at", "reviewed_at"):
        df[col] = pd.to_datetime(df[col], unit="s", utc=True).dt.tz_convert(None)
    df.insert(0, "open", [state.review_link(h) for h in df.file_hash])
    named = views.field_values(df.file_hash)  # the reviewed name and date of birth (corrections applied)
    df["name"], df["dob"] = [named[h]["name"] for h in df.file_hash], [named[h]["dob"] for h in df.file_hash]
    in_case = cases.of_documents(list(df.file_hash))
    df["case"] = [in_case[h][1] if h in in_case else "" for h in df.file_hash]
    df["case_view"] = [f"./case?case={in_case[h][0]}" if h in in_case else None for h in df.file_hash]
    st.dataframe(df[["open", "filename", "name", "dob", "case", "case_view", "document_type", "pages", "n_ids",
                     "n_invalid_ids", "min_confidence", "review_status", "reviewed_by", "created_at", "reviewed_at", "engine",
                     "file_hash"]],
                 hide_index=True, width="stretch",
                 column_config={"open": st.column_config.LinkColumn("Review", display_text="open"),
                                "case_view": st.column_config.LinkColumn("Case view", display_text="open case"),
                                "min_confidence": st.column_config.NumberColumn(format="%.2f"),
                                "created_at": st.column_config.DatetimeColumn("processed")})
else:
    st.info("No documents match.")
p1, p2, _ = st.columns([1, 1, 6])
if p1.button("Previous", disabled=res.page <= 1, key="hist_prev"):
    st.session_state["hist_page"] = res.page - 1
    st.rerun()
if p2.button("Next", disabled=res.page >= res.pages, key="hist_next"):
    st.session_state["hist_page"] = res.page + 1
    st.rerun()

def _delete() -> None:
    """The delete button's callback: runs before the page is drawn again, so the choice and the
    confirmation can be cleared (no document is preselected for the next delete)."""
    target = st.session_state.get("hist_delete_doc")
    if target:
        erase.delete_document(target, me)
        st.session_state["hist_flash"] = ("success", f"Deleted {target[:10]}.")
    st.session_state["hist_delete_doc"] = None
    st.session_state["hist_delete_sure"] = False


with st.expander("Delete a document", expanded="hist_flash" in st.session_state):
    st.caption("Removes the document, its stored file, cached results, corrections and job results. "
               "The audit log keeps who deleted what.")
    may = state.can("delete")
    if not may:
        st.caption(state.why_not("delete").capitalize() + ".")
    if "hist_flash" in st.session_state:
        kind, msg = st.session_state.pop("hist_flash")
        getattr(st, kind)(msg)
    names = {r["file_hash"]: f"{r['filename']} ({r['file_hash'][:10]})" for r in res.rows}
    target = st.selectbox("Document", list(names), format_func=names.get, key="hist_delete_doc", index=None,
                          placeholder="choose the document to delete", disabled=not may)
    sure = st.checkbox("I understand this cannot be undone", key="hist_delete_sure", disabled=not may)
    st.button("Delete", disabled=not (may and target and sure), key="hist_delete", on_click=_delete)
