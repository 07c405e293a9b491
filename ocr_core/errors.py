"""Typed errors for bad input. Each message is meant for the person who uploaded the file."""
from __future__ import annotations


class OCRError(Exception):
    """Base for everything ocr_core raises on purpose."""

    code = "ocr_error"
    http_status = 500


class InputError(OCRError):
    """The file cannot be processed; the message says why in plain words."""

    code = "bad_input"
    http_status = 422


class EmptyFileError(InputError):
    code = "empty_file"


class UnsupportedFileTypeError(InputError):
    code = "unsupported_type"
    http_status = 415


class CorruptFileError(InputError):
    code = "corrupt_file"


class EncryptedPDFError(InputError):
    code = "encrypted_pdf"


class PasswordRequiredError(EncryptedPDFError):
    """A password-protected PDF (an e-Aadhaar) was sent without its password."""

    code = "password_required"


class WrongPasswordError(EncryptedPDFError):
    code = "wrong_password"


class FileTooLargeError(InputError):
    code = "file_too_large"
    http_status = 413


class ImageTooLargeError(InputError):
    code = "image_too_large"
    http_status = 413


class TooManyPagesError(InputError):
    code = "too_many_pages"
    http_status = 413


class EngineError(OCRError):
    """The OCR engine could not be created or failed on a page."""

    code = "engine_error"
