"""What the review page shows of each page: a bundle's fields under each page's type, and the
lines table's text (a Devanagari line as such, never the Latin recogniser's junk of it)."""
from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from ocr_core import doctypes
from ocr_core.record import view
from ocr_core.fields.values import is_devanagari
from ocr_core.models import Line
from ocr_core.privacy import mask_text

DEVANAGARI_LINE = "(Devanagari line)"
# what a Latin recogniser makes of Devanagari besides Latin letters: CJK ideographs and fullwidth
# punctuation ("□5口", "永3TeR，5可"), geometric boxes; no Indian KYC document prints any of them
_JUNK = re.compile(r"[\u25a0-\u25ff\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def line_text(ln: Line) -> str:
    """A line's text for the lines table, masked: a Devanagari reading as read (Tesseract's Hindi);
    a line the engine flagged Devanagari (`Line.script`) or whose reading holds the junk a Latin
    recogniser makes of Devanagari, as "(Devanagari line)"."""
    if is_devanagari(ln.text, 0.5):
        return ln.text
    if ln.script == "deva" or _JUNK.search(ln.text):
        return DEVANAGARI_LINE
    return mask_text(ln.text)


def _type_label(t: str) -> str:
    spec = doctypes.get(t)
    return f"{spec.label} ({t})" if spec is not None else t


def page_fields(v: view.View) -> None:
    """A bundle's (MIXED) fields page by page, under each page's type, as read (`Page.fields`);
    the inputs below are the document's fields, taken from the pages (`fields.bundle`)."""
    res = v.result
    if res.document_type != doctypes.MIXED:
        return
    st.caption("A bundle: each page's fields as read, under its own type. The inputs below are the "
               "document's fields, taken from the pages (a valid value first, then the earlier page).")
    for pg in res.pages:
        st.markdown(f"**Page {pg.number} · {_type_label(pg.document_type)}**")
        if not pg.fields:
            st.caption("no named fields on this page" if pg.document_type != "UNKNOWN" else
                       "a page of no known type: no named fields")
            continue
        rows = [{"field": doctypes.field_label(k), "value": mask_text(f.value or ""),
                 "check": "valid" if f.valid else f"not valid: {f.reason}"} for k, f in pg.fields.items()]
        st.dataframe(pd.DataFrame(rows, columns=["field", "value", "check"]), hide_index=True, width="stretch",
                     key=f"page_fields_{res.file_hash[:12]}_{pg.number}")
