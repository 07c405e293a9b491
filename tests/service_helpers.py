"""Helpers the service tests share (Celery workers, API processes): waiting for a condition with a
deadline, and a multi-page PDF of dev cards that takes a worker a while to scan."""
from __future__ import annotations

import io
import time
from pathlib import Path


def wait_for(cond, timeout: float, what: str, poll: float = 0.1):
    """cond()'s first truthy value, polled until `timeout` seconds; AssertionError naming `what` after."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def cards_pdf(dev_dir: Path, start: int, n: int) -> bytes:
    """A PDF of n dev cards (JPEG, about 100 kB a page) from the `start`-th: each test its own file."""
    import pymupdf
    from PIL import Image

    pngs = sorted(dev_dir.glob("*.png"))
    doc = pymupdf.open()
    for k in range(n):
        buf = io.BytesIO()
        Image.open(pngs[(start + k) % len(pngs)]).convert("RGB").save(buf, "JPEG", quality=80)
        page = doc.new_page(width=506, height=319)
        page.insert_image(page.rect, stream=buf.getvalue())
    return doc.tobytes()
