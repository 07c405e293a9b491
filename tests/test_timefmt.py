"""One timestamp format for everything shown or exported: UTC ISO 8601 with a Z (`ocr_core.timefmt`),
and no other place formatting a time (the grep below)."""
from __future__ import annotations

import re
from pathlib import Path

from ocr_core import batch
from ocr_core.timefmt import id_stamp_utc, iso_utc, now_utc

ROOT = Path(__file__).resolve().parents[1]
T = 1796681370.25  # 2026-12-07T22:09:30.250Z


def test_iso_utc():
    assert iso_utc(T) == "2026-12-07T22:09:30Z"
    assert iso_utc(T, ms=True) == "2026-12-07T22:09:30.250Z"
    assert iso_utc(None) is None and iso_utc(0) is None  # never set
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now_utc())


def test_the_time_zone_of_the_process_does_not_matter(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        assert iso_utc(T) == "2026-12-07T22:09:30Z"
        assert id_stamp_utc(T) == "20261207-220930"
        assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", batch.new_batch_id())
    finally:
        monkeypatch.undo()
        time.tzset()


# what formats a time for output; `timefmt.py` is the one module allowed to
_FORMATTING = re.compile(r"strftime\(|\blocaltime\(|\bgmtime\(|fromtimestamp\(|isoformat\(timespec|datetime\.now\(|"
                         r"datetime\.utcnow\(|\bctime\(")


def test_no_other_module_formats_a_time():
    strays = []
    for pkg in ("ocr_core", "ocr_api", "ocr_worker", "pages", "ui"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            if p.name == "timefmt.py":
                continue
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if _FORMATTING.search(line):
                    strays.append(f"{p.relative_to(ROOT)}:{n}: {line.strip()}")
    for line in (ROOT / "app.py").read_text(encoding="utf-8").splitlines():
        if _FORMATTING.search(line):
            strays.append(f"app.py: {line.strip()}")
    assert strays == []


def test_the_grep_finds_a_local_time():
    assert _FORMATTING.search('time.strftime("%H:%M", time.localtime(t))')
    assert _FORMATTING.search("datetime.now(timezone.utc).isoformat(timespec='seconds')")
    assert not _FORMATTING.search("dt.date(2026, 1, 2).isoformat()")  # a document's date, not a timestamp
