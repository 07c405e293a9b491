"""Text as matching needs it, from PDF text layers and OCR alike: Unicode NFKC (full-width forms,
ligatures, no-break spaces), the soft hyphen U+00AD, the dashes U+2010 to U+2015 and the minus sign
U+2212 as ASCII hyphens, and zero-width characters (U+200B to U+200D, U+2060, U+FEFF) removed.

A born-digital certificate may put soft hyphens between the parts of a number (UDYAM‐MH‐02‐...):
after normalising, the number is matched like any other hyphenated one."""
from __future__ import annotations

import re
import unicodedata

_HYPHENS = {ord(c): "-" for c in "\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}
_ZERO_WIDTH = {ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff"}
_TABLE = {**_HYPHENS, **_ZERO_WIDTH}
_SPACES = re.compile(r"[ \t]{2,}")


def normalize(text: str) -> str:
    if text.isascii():
        return text
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text.translate(_TABLE)).translate(_TABLE))
