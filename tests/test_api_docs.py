"""The API's docs work offline: Swagger UI and ReDoc pages reference only assets the API serves
itself (from the fastapi-offline wheel), no CDN and no web fonts, and every asset answers 200."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from ocr_api import create_app  # noqa: E402

API = "/ocr-api"
URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|\burl\s*:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["docs", "redoc"])
def test_docs_pages_use_only_local_assets(settings, page):
    with TestClient(create_app(settings, warm_engine=False)) as c:
        r = c.get(f"{API}/{page}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        html = r.text
        assert "cdn." not in html and "fonts.googleapis" not in html and "fonts.gstatic" not in html
        urls = {a or b for a, b in URL.findall(html)}
        assets = {u for u in urls if u.endswith((".js", ".css", ".png"))}
        assert len(assets) >= (3 if page == "docs" else 2), urls  # js (+ css) + favicon
        for u in urls:
            assert u.startswith(f"{API}/"), f"{page} loads {u} from outside the API"
            got = c.get(u)
            assert got.status_code == 200, u
        js = next(u for u in assets if u.endswith(".js"))
        body = c.get(js).text
        assert len(body) > 100_000 and "fonts.googleapis.com" not in body  # the real bundle, no font loading
