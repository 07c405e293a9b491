"""A kept document's pages as reviewed: masked and verified (`redact.checked_page`, with the
reviewed IDs, corrections included), the kept masked copy refreshed after a correction, and the
original page for those who may unmask (`decisions.may_unmask`, audited either way)."""
from __future__ import annotations

from PIL import Image

from .. import auth, files
from ..models import DocumentResult
from ..redact import checked_page, masked_pdf, original_page_image, png
from .decisions import may_unmask, need_operator
from .trail import audit
from .view import view


def _reviewed(file_hash: str) -> DocumentResult:
    v = view(file_hash)
    if v is None:
        raise LookupError("no such document")
    return v.result


def document_page(file_hash: str, n: int) -> tuple[bytes, str | None]:
    """Page n of a kept document as a masked, verified PNG (its reviewed IDs, corrections
    included) and why it is withheld (None when it is shown)."""
    got = checked_page(_reviewed(file_hash), n)
    return png(got.image), got.withheld


def document_page_png(file_hash: str, n: int) -> bytes:
    """Page n of a kept document as a masked, verified PNG (`document_page`)."""
    return document_page(file_hash, n)[0]


def document_masked_pdf(file_hash: str) -> bytes:
    return masked_pdf(_reviewed(file_hash))


def remask_stored(file_hash: str, n: int) -> bool:
    """Mask the kept copy of page n again with the reviewed IDs (after an operator added one with a
    box), so the copy at rest covers it too. False when no masked copy is kept."""
    if files.get_masked(file_hash, n) is None:
        return False
    checked_page(_reviewed(file_hash), n, keep=True)
    return True


def unmask_page(file_hash: str, n: int, operator: "auth.Identity | str") -> Image.Image:
    """The original page image, for admins and names in UNMASK_ALLOWED only (decisions.may_unmask);
    audited either way. LookupError when the original is not stored (STORE_ORIGINALS=false): it
    cannot be shown."""
    name = need_operator(operator)
    result = _reviewed(file_hash)
    if not may_unmask(operator):
        audit("unmask_image_denied", file_hash, operator, {"page": n})
        raise PermissionError(f"{name} may not see unmasked page images (admins and names in UNMASK_ALLOWED may)")
    img = original_page_image(result, n)
    if img is None:
        raise LookupError("the original is not kept (STORE_ORIGINALS=false): only the masked copy exists")
    audit("unmask_image", file_hash, operator, {"page": n})
    return Image.fromarray(img)
