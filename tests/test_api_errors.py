"""ocr_api.errors: the core's error codes become HTTP statuses here (the core knows no HTTP)."""
from __future__ import annotations

import pytest

from ocr_api.errors import STATUS, detail_for, status_for
from ocr_core import errors


@pytest.mark.parametrize("cls, status", [
    (errors.EmptyFileError, 422), (errors.CorruptFileError, 422), (errors.EncryptedPDFError, 422),
    (errors.UnsupportedFileTypeError, 415), (errors.FileTooLargeError, 413), (errors.ImageTooLargeError, 413),
    (errors.TooManyPagesError, 413), (errors.EngineError, 503), (errors.QueueUnavailableError, 503),
    (errors.InputError, 422), (errors.OCRError, 500),
])
def test_each_core_error_code_has_its_status(cls, status):
    assert status_for(cls("x")) == status


def test_a_new_input_error_is_a_422_until_it_gets_its_own_code_mapped():
    class BlurryPhotoError(errors.InputError):
        code = "blurry_photo"

    assert "blurry_photo" not in STATUS and status_for(BlurryPhotoError("too blurry")) == 422


def test_the_core_carries_codes_not_statuses():
    for cls in vars(errors).values():
        if isinstance(cls, type) and issubclass(cls, errors.OCRError):
            assert "http_status" not in vars(cls) and cls.code


def test_api_clients_get_their_own_hint():
    e = errors.QueueUnavailableError("The job queue (Redis) is unreachable.")
    assert "/paddleocr/predict" in detail_for(e) and "/paddleocr" not in str(e)
