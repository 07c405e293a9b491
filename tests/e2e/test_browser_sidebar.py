"""A real Chromium drives `streamlit run app.py` at 1400 px: the sidebar's "Sign out" is shown
whole (it was cut to "Sig…" beside the name; issue 24, item 6)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CUT = """el => [el, ...el.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1)"""


@pytest.mark.app_env(LOG_LEVEL="WARNING")
def test_sign_out_is_not_cut_at_1400_px(streamlit_server, chromium, accounts):
    from playwright.sync_api import expect

    page = chromium.new_context(viewport={"width": 1400, "height": 900}).new_page()
    accounts.add("administrator.longname", "checker")  # a long name beside the button
    accounts.sign_in(page, "administrator.longname")
    button = page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out")
    expect(button).to_be_visible(timeout=120_000)
    assert not button.evaluate(CUT), button.inner_text()
    assert "Sign out" in button.inner_text()
