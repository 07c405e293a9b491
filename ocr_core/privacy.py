"""Masking of Aadhaar and VID numbers for anything a person or a log can see: `mask_id` is the one
masking function (which types are masked comes from the ID registry, `idtypes`); `mask_text`
applies it to every Aadhaar- or VID-shaped number in free text."""
from __future__ import annotations

import re

from .idtypes import MASKED_TYPES

__all__ = ["MASKED_TYPES", "mask_id", "mask_text"]

# 12 or 16 digits, contiguous or in groups of four (space or hyphen), not inside a longer number
# nor the last group of a UUID (hex, then a hyphen).
_AADHAAR_LIKE = re.compile(
    r"(?<![\dA-Za-z])(?<![0-9A-Fa-f]-)(\d{4}[ -]?\d{4}[ -]?\d{4}(?:[ -]?\d{4})?)(?![\dA-Za-z])")


def mask_id(id_type: str, value: str) -> str:
    """The value as anyone without the unmask right sees it: XXXX XXXX 1234 for a masked type,
    unchanged for the others."""
    digits = re.sub(r"\D", "", value)
    if id_type in MASKED_TYPES and len(digits) >= 4:
        groups = ["XXXX"] * (len(digits) // 4 - 1) + [digits[-4:]]
        return " ".join(groups)
    return value


def _mask_match(m: re.Match[str]) -> str:
    s = m.group(1)
    digits = re.sub(r"\D", "", s)
    if len(digits) not in (12, 16):
        return s
    return mask_id("AADHAAR", digits)


def mask_text(text: str) -> str:
    """Mask every Aadhaar- or VID-shaped number (12 or 16 digits) in free text."""
    if not text or not any(c.isdigit() for c in text):
        return text
    return _AADHAAR_LIKE.sub(_mask_match, text)
