"""Keyboard shortcuts that click the page's own buttons (found by their widget keys).

Streamlit marks each keyed widget's container with the class ``st-key-<key>``; a tiny script in a
components iframe (same origin) listens on the parent document and clicks the button. Keys typed
into an input, text area or the data editor are left alone. A key that clicks a button goes no
further: Streamlit's own hotkeys ("r" reruns the app) never see it."""
from __future__ import annotations

import json

import streamlit as st

_JS = """
<script>
(function() {
  const P = window.parent;
  const map = %s;
  if (P.__ocrKeyHandler) P.document.removeEventListener('keydown', P.__ocrKeyHandler, true);
  P.__ocrKeyHandler = function(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    const t = e.target;
    const tag = (t && t.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || (t && t.isContentEditable)) return;
    if (t && t.closest && t.closest('[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"]')) return;
    const key = map[e.key.toLowerCase()];
    if (!key) return;
    const btn = P.document.querySelector('.st-key-' + key + ' button');
    if (!btn || btn.disabled) return;
    e.preventDefault();
    e.stopImmediatePropagation();  // Streamlit's own "r" (rerun) would race the click and drop it
    btn.click();
  };
  P.document.addEventListener('keydown', P.__ocrKeyHandler, true);
})();
</script>
"""


def install(mapping: dict[str, str]) -> None:
    """mapping: keyboard key (e.g. "a") -> widget key of the button it clicks."""
    st.iframe(_JS % json.dumps({k.lower(): v for k, v in mapping.items()}), height=1, width=1)
