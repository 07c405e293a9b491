"""OCR Review Desk core: documents in, checked KYC data out. Imports no UI or server framework."""
from .config import Settings, get_settings
from .errors import (CorruptFileError, EmptyFileError, EncryptedPDFError, EngineError, FileTooLargeError,
                     ImageTooLargeError, InputError, OCRError, PasswordRequiredError, TooManyPagesError,
                     UnsupportedFileTypeError, WrongPasswordError)
from .models import DOCUMENT_TYPES, ID_TYPES, DetectedID, DocumentResult, Line, Page
from .pipeline import scan

__all__ = [
    "scan", "Settings", "get_settings", "DocumentResult", "Page", "Line", "DetectedID", "ID_TYPES",
    "DOCUMENT_TYPES", "OCRError", "InputError", "EmptyFileError", "UnsupportedFileTypeError", "CorruptFileError",
    "EncryptedPDFError", "FileTooLargeError", "ImageTooLargeError", "TooManyPagesError", "EngineError",
    "PasswordRequiredError", "WrongPasswordError",
]
