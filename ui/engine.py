"""The OCR engine held in st.cache_resource (one per engine and language), warmed at start."""
from __future__ import annotations

import numpy as np
import streamlit as st

from ocr_core.reread import engine as get_engine  # built with the documents' re-read policy
from ocr_core.engines.base import OCREngine


@st.cache_resource(show_spinner=False)
def load_engine(name: str, lang: str) -> OCREngine:
    """The process-wide engine for (name, lang); ocr_core.intake then finds it already loaded.

    One tiny recognition pays the runtime's lazy first-call set-up here, not on the first upload."""
    eng = get_engine(name, lang)
    img = np.full((48, 160, 3), 255, np.uint8)
    img[16:32, 20:140] = 0
    eng.recognize(img)
    return eng


def warm(name: str, lang: str) -> str | None:
    """Load the engine before the first upload; returns an error message instead of raising."""
    try:
        with st.spinner(f"Loading the {name} OCR engine ({lang})…"):
            load_engine(name, lang)
    except Exception as e:  # the app stays usable (cached results, history) without an engine
        return f"The OCR engine {name} ({lang}) could not be loaded: {e}"
    return None
