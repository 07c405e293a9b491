"""The desk's wording for the core's errors: the core's message (neutral) plus what to do here."""
from __future__ import annotations

from ocr_core.errors import OCRError

HINTS = {  # error code -> what the operator can do on this desk
    "unsupported_type": "Upload a JPEG, PNG, TIFF, WebP, BMP image or a PDF (ZIP archives on the Bulk page).",
    "encrypted_pdf": "Upload it again without the password.",
    "queue_unavailable": "Try again in a minute; uploads on the Review page are read at once.",
}


def error_text(e: OCRError) -> str:
    hint = HINTS.get(getattr(e, "code", ""))
    return f"{e} {hint}" if hint else str(e)


def named(filename: str, message: str) -> str:
    """A message about one file, the name said once: the core's messages often start with it
    already ("bundle.zip/empty.png: the file is empty")."""
    message = str(message or "").strip()
    if filename and (message == filename or message.startswith(f"{filename}:")):
        return message
    return f"{filename}: {message}" if filename else message
