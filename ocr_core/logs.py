"""Structured logs: one JSON object per line (python-json-logger), with Aadhaar/VID numbers masked by
a filter (`MaskIDs`: the message, every extra field through `privacy.mask_data`, and the traceback).

Fields: ``ts`` (UTC, milliseconds, ``Z``), ``level``, ``logger``, ``msg``, the record's extra fields,
and ``exc`` when there is a traceback. `configure_logging` puts the filter on the one handler it
installs; `JSONFormatter` runs it too, on a copy, so any handler that formats with it masks."""
from __future__ import annotations

import copy
import logging
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from .privacy import mask_data, mask_text
from .timefmt import iso_utc

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_TRACEBACK = logging.Formatter()


class MaskIDs(logging.Filter):
    """Masks the ID numbers of a record in place: its message (with its arguments merged), its
    extra fields, its traceback. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_text(record.getMessage()), ()
        for k, v in list(vars(record).items()):
            if k not in _RESERVED and not k.startswith("_"):
                setattr(record, k, mask_data(v, k))
        if record.exc_info:
            record.exc_text = mask_text(_TRACEBACK.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


_MASK = MaskIDs()


class JSONFormatter(JsonFormatter):
    """One JSON object per record: ts, level, logger, msg, the extra fields, exc; IDs masked."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s %(message)s", json_ensure_ascii=False, json_default=str,
                         rename_fields={"levelname": "level", "name": "logger", "message": "msg", "exc_info": "exc"})

    def format(self, record: logging.LogRecord) -> str:
        record = copy.copy(record)  # masked here too, without changing what other handlers get
        _MASK.filter(record)
        return super().format(record)

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return mask_text(super().formatException(ei))

    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_record["ts"] = iso_utc(record.created, ms=True)
        super().add_fields(log_record, record, message_dict)
        for k in [k for k in log_record if k.startswith("_")]:
            del log_record[k]
        if "exc" in log_record:  # last, as before
            log_record["exc"] = log_record.pop("exc")


def configure_logging(level: str | int = "INFO", stream=None) -> None:
    """Send every log record through the masking filter and the JSON formatter (idempotent)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_ocr_json", False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler._ocr_json = True  # type: ignore[attr-defined]
        for h in list(root.handlers):
            root.removeHandler(h)
        root.addHandler(handler)
    if not any(isinstance(f, MaskIDs) for f in handler.filters):
        handler.addFilter(_MASK)
    handler.setFormatter(JSONFormatter())
    root.setLevel(level if isinstance(level, int) else level.upper())
    for noisy in ("ppocr", "paddle", "paddlex", "paddleocr", "onnxruntime", "RapidOCR", "PIL", "urllib3",
                  "httpx", "modelscope", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


log = logging.getLogger("ocr_core")
