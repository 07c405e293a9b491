"""A REST client's side of the document versions: read the ETag, send it back as If-Match."""
from __future__ import annotations

API = "/ocr-api"


def if_match(client, file_hash: str, **headers: str) -> dict[str, str]:
    """`headers` with If-Match set to the document's ETag as `client` reads it now (``"0"`` for a
    document it cannot read: the route then answers the document's 404, not 428)."""
    got = client.get(f"{API}/documents/{file_hash}", headers=headers or None)
    return {**headers, "If-Match": got.headers.get("ETag", '"0"')}
