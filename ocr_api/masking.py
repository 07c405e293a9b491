"""The API's one masking point: every JSON body the API sends (results, reviewed documents, jobs,
audit entries, errors) goes through `ocr_core.privacy.mask_data`, so an Aadhaar/VID number in any
string (OCR text, a file name, a case label, a field, a reason, an error message) leaves masked.
The one route that answers a full number on purpose (``POST /documents/{hash}/unmask``, audited)
uses `UnmaskedJSONResponse`."""
from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from ocr_core.privacy import mask_data


class MaskedJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return super().render(mask_data(content))


class UnmaskedJSONResponse(JSONResponse):
    """Only for the audited unmask answer."""
