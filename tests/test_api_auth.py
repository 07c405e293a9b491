"""API keys and roles, route by route: with OCR_API_KEYS set, no key or a wrong key is a 401 on
every route but /health (and the docs), a role without the right a 403 naming the role needed.
The matrix runs over the app's own routes: a new route without a rule here fails. Then the
audited unmask and the document audit trail on a real scanned Aadhaar card."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.routing import iter_route_contexts  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from ocr_core import auth
from ocr_core.record import view, corrections  # noqa: E402
from ocr_api import create_app  # noqa: E402

API = "/ocr-api"
KEYS = "olga:operator:op-key-1,chen:checker:ch-key-2,ada:admin:ad-key-3,bulk:bulk-key-4,bare-key-5"
KEY_OF = {"operator": "op-key-1", "checker": "ch-key-2", "admin": "ad-key-3"}
HASH = "ab" * 32

# (method, path) -> the least role that may call it; "public" = no key needed
RULES: dict[tuple[str, str], str] = {
    ("GET", "/ocr-api/health"): "public",
    ("GET", "/ocr-api/openapi.json"): "public",  # the API's description, no data
    ("GET", "/ocr-api/docs"): "public",
    ("GET", "/ocr-api/docs/oauth2-redirect"): "public",
    ("GET", "/ocr-api/redoc"): "public",
    ("GET", "/"): "public",  # a redirect to the docs
    ("POST", "/ocr-api/paddleocr/predict"): "operator",
    ("POST", "/ocr-api/paddleocr/predict-async"): "operator",
    ("GET", "/ocr-api/paddleocr/status/{job_id}"): "operator",
    ("GET", "/ocr-api/jobs"): "operator",
    ("POST", "/ocr-api/pdf"): "operator",
    ("POST", "/ocr-api/tesseract/predict"): "operator",
    ("GET", "/ocr-api/metrics"): "operator",
    ("GET", "/ocr-api/metrics/prometheus"): "operator",
    ("GET", "/ocr-api/documents/{file_hash}/pages/{n}/image"): "operator",  # masked
    ("GET", "/ocr-api/documents/{file_hash}/masked.pdf"): "operator",
    ("GET", "/ocr-api/documents"): "operator",  # the reviewed list (masked)
    ("GET", "/ocr-api/documents/{file_hash}"): "operator",
    ("POST", "/ocr-api/documents/{file_hash}/corrections"): "operator",
    ("POST", "/ocr-api/documents/{file_hash}/review"): "operator",  # needs_review; the core asks checker to approve
    ("DELETE", "/ocr-api/documents/{file_hash}"): "admin",
    ("GET", "/ocr-api/documents/{file_hash}/audit"): "checker",
    ("POST", "/ocr-api/documents/{file_hash}/unmask"): "admin",  # the route lets UNMASK_ALLOWED names try
}
BODIES = {"/ocr-api/documents/{file_hash}/unmask": {"json": {"key": "ocr-0", "reason": "matrix test"}}}


def _routes(app) -> list[tuple[str, str, object]]:
    out = []
    for ctx in iter_route_contexts(app.routes):
        for m in sorted(ctx.methods or []):
            if m != "HEAD":
                out.append((m, ctx.path, ctx.original_route))
    return out


def _roles_required(route) -> set[str]:
    """The roles named by `require(...)` dependencies anywhere under the route."""
    found, todo = set(), list(getattr(getattr(route, "dependant", None), "dependencies", []))
    while todo:
        d = todo.pop()
        if hasattr(d.call, "required_role"):
            found.add(d.call.required_role)
        todo.extend(d.dependencies)
    return found


@pytest.fixture
def keyed(settings):
    from ocr_core.jobs import reset_backends

    app = create_app(settings.model_copy(update={"ocr_api_keys": KEYS, "rate_limit_requests": 10_000}),
                     warm_engine=False)
    yield app, TestClient(app)
    reset_backends()


def test_every_route_has_a_rule_and_a_role_dependency(keyed):
    app, _ = keyed
    routes = _routes(app)
    missing = [(m, p) for m, p, _ in routes if (m, p) not in RULES]
    assert not missing, f"routes without a rule in RULES (add one, and a require(...) dependency): {missing}"
    for m, p, route in routes:
        need = RULES[(m, p)]
        roles = _roles_required(route)
        if need == "public":
            assert not roles, (m, p, roles)
        else:
            assert len(roles) == 1, f"{m} {p}: one require(...) dependency expected, found {roles}"
    assert set(RULES) == {(m, p) for m, p, _ in routes}, "a rule for a route that is gone"


def _call(client, method: str, path: str, headers: dict | None = None):
    url = path.replace("{job_id}", "no-such-job").replace("{file_hash}", HASH)
    return client.request(method, url, headers=headers or {}, follow_redirects=False, **BODIES.get(path, {}))


@pytest.mark.parametrize("method,path", sorted(RULES))
def test_401_403_matrix(keyed, method, path):
    _, client = keyed
    need = RULES[(method, path)]
    if need == "public":
        for headers in ({}, {"X-API-Key": "wrong"}):
            assert _call(client, method, path, headers).status_code in (200, 307), (method, path)
        return
    for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}):
        r = _call(client, method, path, headers)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized", (method, path, headers, r.text)
        assert r.headers["WWW-Authenticate"] == "ApiKey"
    for role, key in KEY_OF.items():
        r = _call(client, method, path, {"X-API-Key": key})
        if auth.role_at_least(role, need):
            assert r.status_code not in (401, 403), (method, path, role, r.text)
        else:
            assert r.status_code == 403, (method, path, role, r.text)
            assert f"needs the {need} role" in r.json()["detail"] and role in r.json()["detail"]


def test_api_keys_parse_names_and_roles():
    keys = auth.parse_api_keys(KEYS)
    assert [(k.name, k.role) for k in keys] == [("olga", "operator"), ("chen", "checker"), ("ada", "admin"),
                                               ("bulk", "operator"), ("anonymous", "operator")]
    assert "bulk-key-4" not in repr(keys)
    assert auth.match_api_key(keys, "bare-key-5").name == "anonymous"
    assert auth.match_api_key(keys, "bare-key") is None and auth.match_api_key(keys, "") is None
    with pytest.raises(ValueError, match="unknown role"):
        auth.parse_api_keys("x:superuser:k")
    with pytest.raises(ValueError, match="empty"):
        auth.parse_api_keys("x:")


def test_name_key_entries_are_operators_and_rate_limited_per_key(settings):
    app = create_app(settings.model_copy(update={"ocr_api_keys": "bulk:bulk-key-4", "rate_limit_requests": 2}),
                     warm_engine=False)
    c = TestClient(app)
    h = {"X-API-Key": "bulk-key-4"}
    assert [c.get(f"{API}/jobs", headers=h).status_code for _ in range(3)] == [200, 200, 429]
    r = c.get(f"{API}/documents/{HASH}/audit", headers={"X-API-Key": "bulk-key-4"})
    assert r.status_code == 403 and "needs the checker role" in r.json()["detail"]  # before the rate limit


def test_open_api_without_keys_is_an_anonymous_operator(settings):
    c = TestClient(create_app(settings, warm_engine=False))
    assert c.get(f"{API}/jobs").status_code == 200
    r = c.get(f"{API}/documents/{HASH}/audit")
    assert r.status_code == 403 and "needs the checker role" in r.json()["detail"]
    assert "OCR_API_KEYS" in r.json()["detail"]


def test_unmask_for_admins_audited_with_reason_and_audit_trail_masked(settings, engine, fixtures_dir, monkeypatch):
    from ocr_core.intake import process_upload

    res = process_upload((fixtures_dir / "aadhaar_card.png").read_bytes(), "aadhaar_card.png")
    v = view.view(res.file_hash)
    key = v.keys[[d.type for d in v.result.ids].index("AADHAAR")]
    full = v.id_by_key(key).value
    # an operator corrects another ID through the core (as the desk would), so the trail has a correction
    corrections.add_id(res.file_hash, "AADHAAR", "234567890124", auth.Identity("olga", "operator"), reason="back side")
    app = create_app(settings.model_copy(update={"ocr_api_keys": KEYS}), warm_engine=False)
    c = TestClient(app)
    url = f"{API}/documents/{res.file_hash}"
    body = {"key": key, "reason": "bank asked to match the e-KYC record"}

    for role in ("operator", "checker"):
        r = c.post(f"{url}/unmask", json=body, headers={"X-API-Key": KEY_OF[role]})
        assert r.status_code == 403 and "admin" in r.json()["detail"], r.text
        assert full not in r.text
    r = c.post(f"{url}/unmask", json={"key": key, "reason": ""}, headers={"X-API-Key": KEY_OF["admin"]})
    assert r.status_code == 422
    r = c.post(f"{url}/unmask", json={"key": "ocr-99", "reason": "x"}, headers={"X-API-Key": KEY_OF["admin"]})
    assert r.status_code == 404
    r = c.post(f"{url}/unmask", json=body, headers={"X-API-Key": KEY_OF["admin"]})
    assert r.status_code == 200 and r.json() == {"value": full}

    # the trail: checkers and admins; corrections' values masked; who, role, why
    assert c.get(f"{url}/audit", headers={"X-API-Key": KEY_OF["operator"]}).status_code == 403
    r = c.get(f"{url}/audit", headers={"X-API-Key": KEY_OF["checker"]})
    assert r.status_code == 200
    assert full not in r.text and "234567890124" not in r.text
    entries = r.json()["entries"]
    assert [(e["action"], e["operator"], e["role"]) for e in entries] == [
        ("unmask", "ada", "admin"), ("unmask_denied", "chen", "checker"), ("unmask_denied", "olga", "operator"),
        ("add_id", "olga", "operator")]
    assert entries[0]["reason"] == body["reason"] and entries[0]["id_type"] == "AADHAAR"
    assert (entries[3]["before"], entries[3]["after"], entries[3]["reason"]) == ("", "XXXX XXXX 0124", "back side")
    assert c.get(f"{API}/documents/{HASH}/audit", headers={"X-API-Key": KEY_OF["admin"]}).status_code == 404

    # UNMASK_ALLOWED lets a named checker unmask too
    from ocr_core.config import get_settings

    monkeypatch.setenv("UNMASK_ALLOWED", "chen")
    get_settings.cache_clear()
    r = c.post(f"{url}/unmask", json=body, headers={"X-API-Key": KEY_OF["checker"]})
    assert r.status_code == 200 and r.json()["value"] == full
