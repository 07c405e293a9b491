"""A REST client's side of the document versions: read the ETag, send it back as If-Match."""
from __future__ import annotations

API = "/ocr-api"


def if_match(client, file_hash: str, **headers: str) -> dict[str, str]:
    """`headers` with If-Match set to the document's ETag as `client` reads it now (``"0"`` for a
    document it cannot read: the route then answers the document's 404, not 428)."""
    got = client.get(f"{API}/documents/{file_hash}", headers=headers or None)
    return {**headers, "If-Match": got.headers.get("ETag", '"0"')}


def api_client(settings, keys: set[str], api_key: str | None = None):
    """A TestClient on the real app with these OCR_API_KEYS (signed in with `api_key` when given); the
    job backends the app made are reset when it closes."""
    from contextlib import contextmanager

    from fastapi.testclient import TestClient

    from ocr_api import create_app
    from ocr_core.jobs import reset_backends

    @contextmanager
    def run():
        try:
            with TestClient(create_app(settings.model_copy(update={"ocr_api_keys": keys}))) as c:
                if api_key:
                    c.headers["X-API-Key"] = api_key
                yield c
        finally:
            reset_backends()

    return run()
