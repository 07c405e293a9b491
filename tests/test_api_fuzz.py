"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis + hypothesis):
whatever the request, never a 5xx other than the documented 503s, and every error is JSON.

Bounded: a fixed number of examples per operation, so the whole module runs in about a minute.
The real engine runs behind it (random bytes are refused by the loader before any OCR).
"""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings as hsettings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from ocr_api import create_app  # noqa: E402


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    from ocr_core.config import Settings

    d = tmp_path_factory.mktemp("fuzz")
    s = Settings(db_path=d / "ocr.db", ocr_key_file=d / "secret.key", rate_limit_requests=100_000,
                 max_file_bytes=2_000_000, api_queue_size=64)
    return create_app(s, warm_engine=False)


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_asgi("/ocr-api/openapi.json", api_app)


def _json_errors(ctx, response, case):
    """Every error response is a JSON object with `error` and `detail`; every response is timed."""
    if response.status_code >= 400:
        assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
        body = response.json()
        assert body["error"] and body["detail"] and body["status"] == response.status_code
    assert "x-process-time" in {k.lower() for k in response.headers}
    return None


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_server_errors(api_schema, mode):
    from schemathesis import GenerationMode

    gen_mode = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    calls: dict[str, int] = {}
    for result in api_schema.get_all_operations():
        op = result.ok()

        @hsettings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy(generation_mode=gen_mode))
        def run(case):
            response = case.call()
            calls[op.label] = calls.get(op.label, 0) + 1
            if response.status_code == 503:  # documented: OCR queue full or engine unavailable, never a crash
                assert response.headers.get("retry-after"), response.text
                return
            case.validate_response(response, checks=[not_a_server_error], additional_checks=[_json_errors])

        try:
            run()
        except Unsatisfiable:
            assert mode == "negative", op.label  # an operation without inputs has no invalid form
    if mode == "positive":
        assert len(calls) >= 9, calls  # every operation was called
    else:  # the operations with a body, path or query parameter
        assert {"POST /ocr-api/paddleocr/predict", "POST /ocr-api/pdf", "GET /ocr-api/jobs"} <= set(calls), calls
