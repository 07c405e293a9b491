"""JSON logs through python-json-logger; the Aadhaar/VID masking is a logging.Filter (`MaskIDs`), so
a handler with any formatter writes masked lines once configure_logging has put it on."""
from __future__ import annotations

import io
import json
import logging

from ocr_core.logs import JSONFormatter, MaskIDs, configure_logging

AADHAAR = "2345 6789 0124"  # Verhoeff-valid (ocr_core.privacy masks a valid number)


def test_the_filter_masks_for_any_formatter():
    out = io.StringIO()
    h = logging.StreamHandler(out)
    h.setFormatter(logging.Formatter("%(message)s|%(number)s|%(exc_text)s"))
    h.addFilter(MaskIDs())
    lg = logging.getLogger("test_logs.plain")
    lg.addHandler(h)
    lg.propagate = False
    try:
        try:
            raise ValueError(f"bad {AADHAAR}")
        except ValueError:
            lg.error("number %s", AADHAAR, exc_info=True, extra={"number": AADHAAR.replace(" ", "")})
    finally:
        lg.removeHandler(h)
    text = out.getvalue()
    assert "XXXX XXXX 0124" in text and "6789" not in text
    assert text.startswith("number XXXX XXXX 0124|XXXX XXXX 0124|Traceback")


def test_configured_logs_are_json_lines_with_the_fields_of_before():
    out = io.StringIO()
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    for h in saved[0]:
        root.removeHandler(h)
    try:
        configure_logging("INFO", out)
        configure_logging("INFO", out)  # idempotent: one handler, one filter
        (handler,) = [h for h in root.handlers if getattr(h, "_ocr_json", False)]
        assert sum(isinstance(f, MaskIDs) for f in handler.filters) == 1
        assert isinstance(handler.formatter, JSONFormatter)
        logging.getLogger("ocr_core.test").info("scan of %s", AADHAAR, extra={"event": "scan", "ids": [AADHAAR],
                                                                           "_private": 1})
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
    (line,) = out.getvalue().splitlines()
    rec = json.loads(line)
    assert list(rec) == ["ts", "level", "logger", "msg", "event", "ids"]
    assert rec["ts"].endswith("Z") and len(rec["ts"]) == len("2024-01-01T00:00:00.000Z")
    assert (rec["level"], rec["logger"], rec["msg"]) == ("INFO", "ocr_core.test", "scan of XXXX XXXX 0124")
    assert rec["ids"] == ["XXXX XXXX 0124"] and "6789" not in line
