"""Shared pieces of the Streamlit review desk: session state, sidebar, cached engine, shortcuts.

Pages import from here; nothing here holds business logic (that lives in ocr_core)."""
