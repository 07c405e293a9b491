"""Typed errors. Each carries a stable `code` (adapters map it: the API to an HTTP status, the desk
to its wording) and a neutral message a person can read; no transport or UI knowledge here."""
from __future__ import annotations


class OCRError(Exception):
    """Base for everything ocr_core raises on purpose."""

    code = "ocr_error"


class InputError(OCRError):
    """The file cannot be processed; the message says why in plain words."""

    code = "bad_input"


class EmptyFileError(InputError):
    code = "empty_file"


class UnsupportedFileTypeError(InputError):
    code = "unsupported_type"


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


class ImageTooLargeError(InputError):
    code = "image_too_large"


class TooManyPagesError(InputError):
    code = "too_many_pages"


class DocumentTooLargeError(InputError):
    """More pages x pixels than MAX_DOCUMENT_PIXELS (measured from the headers, before decoding)."""

    code = "document_too_large"


class EngineError(OCRError):
    """The OCR engine could not be created or failed on a page."""

    code = "engine_error"


class QueueUnavailableError(OCRError):
    """The job queue cannot be reached; queued OCR may work again later."""

    code = "queue_unavailable"
    retry_after = 15


class ReviewError(OCRError, ValueError):
    """A review decision the rules refuse (a ValueError too, as the desk and older callers catch)."""

    code = "review_refused"


class ReasonRequiredError(ReviewError):
    """The decision needs a reason: a rejection, or approving a document with no ID or of type UNKNOWN."""

    code = "reason_required"


class StaleVersionError(ReviewError):
    """The document changed after the version the caller decided on; look at it again."""

    code = "stale_version"
