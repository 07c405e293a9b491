"""OCR Review Desk: `streamlit run app.py`. Nobody sees a page before signing in (ui/signin.py).
Review is the default page; the bulk, history, case and metrics pages are added when their files exist,
the users page for admins."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ocr_core import retention
from ocr_core.config import get_settings
from ocr_core.logs import configure_logging
from ui import engine, sidebar, signin, state

ROOT = Path(__file__).resolve().parent

st.set_page_config(page_title="OCR Review Desk", page_icon=":material/badge:", layout="wide")
configure_logging(get_settings().log_level)
retention.start_scheduler()  # one purge timer per process (RETENTION_DAYS)
state.init()

pages = {"review": st.Page("pages/review.py", title="Review", icon=":material/search:", default=True,
                           url_path="review")}
for name, title, icon in (("bulk", "Bulk", ":material/stacks:"), ("history", "History", ":material/history:"),
                          ("case", "Case", ":material/folder_shared:"),
                          ("metrics", "Metrics", ":material/monitoring:")):
    if (ROOT / "pages" / f"{name}.py").exists():
        pages[name] = st.Page(f"pages/{name}.py", title=title, icon=icon, url_path=name)

who = signin.current()
if who is not None and who.role == "admin" and (ROOT / "pages" / "users.py").exists():
    pages["users"] = st.Page("pages/users.py", title="Users", icon=":material/group:", url_path="users")
# hidden until sign-in; the URL's page is kept for after it
nav = st.navigation(list(pages.values()), position="sidebar" if who else "hidden")
if who is None:
    signin.page()  # stops here
deep = st.session_state.pop(signin.DEEP_LINK, None)  # a page asked for before this script ran (see signin.guard)
if deep and deep[0] in pages:
    st.switch_page(pages[deep[0]], query_params=deep[1])
operator, engine_name, lang = sidebar.render(who)
err = engine.warm(engine_name, lang)
if err:
    st.sidebar.error(err)
st.session_state[signin.SHELL] = True  # the page's signin.guard() sees it was run from here
nav.run()
