"""Structured logs: one JSON object per line, with Aadhaar/VID numbers masked: the message, every extra
field (`privacy.mask_data`, the filter of every output) and the traceback."""
from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from .privacy import mask_data, mask_text

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "msg": mask_text(record.getMessage()),
        }
        for k, v in record.__dict__.items():
            if k not in _RESERVED and not k.startswith("_"):
                out[k] = mask_data(v, k)
        if record.exc_info:
            out["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: str | int = "INFO", stream=None) -> None:
    """Send every log record through the JSON formatter (idempotent)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_ocr_json", False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler._ocr_json = True  # type: ignore[attr-defined]
        for h in list(root.handlers):
            root.removeHandler(h)
        root.addHandler(handler)
    handler.setFormatter(JSONFormatter())
    root.setLevel(level if isinstance(level, int) else level.upper())
    for noisy in ("ppocr", "paddle", "paddlex", "paddleocr", "onnxruntime", "RapidOCR", "PIL", "urllib3",
                  "httpx", "modelscope", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


log = logging.getLogger("ocr_core")
