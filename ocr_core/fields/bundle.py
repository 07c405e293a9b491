"""A bundle's fields (a MIXED document: a PAN page and an Aadhaar page in one scan).

Each page of a known type gets its own fields, read from that page alone under that page's type
(`Page.fields`): the PAN page's name, father's name and date of birth; the Aadhaar page's name,
Hindi name, date of birth and gender. The document's own `fields` (what the desk edits, the exports
and the API's `fields` carry) are taken from the pages in this order of precedence, key by key:

1. a valid value before an invalid one;
2. among equals, the earlier page (a bundle's first page is the main document of the set).

So a PAN + Aadhaar bundle's `name` and `dob` are the PAN page's, its `gender` the Aadhaar page's.
Each document-level field keeps the `page` it came from. A page's fields are as read (the OCR's);
corrections apply to the document's fields.
"""
from __future__ import annotations

from dataclasses import replace

from ..models import DetectedID, Field, Page
from .base import cross_check


def page_fields(page: Page, ids: list[DetectedID]) -> dict[str, Field]:
    """One page's fields under its own type (none for an UNKNOWN page)."""
    from . import extract_fields

    return extract_fields(page.document_type, [page], [i for i in ids if i.page == page.number])


def merge(per_page: list[dict[str, Field]]) -> dict[str, Field]:
    """The document's fields from its pages' (in page order), by the precedence above; keys in the
    order they first appear."""
    out: dict[str, Field] = {}
    for fields in per_page:
        for key, f in fields.items():
            cur = out.get(key)
            if cur is None or (f.valid and not cur.valid):
                out[key] = replace(f)
    cross_check(out)  # dates of two pages in order (as a review's corrections check them)
    return out


def bundle_fields(pages: list[Page], ids: list[DetectedID]) -> dict[str, Field]:
    """Sets each page's `fields` (its own type's) and returns the document's (see above)."""
    for pg in pages:
        pg.fields = page_fields(pg, ids)
    return merge([pg.fields for pg in pages])


def bundle_qr(pages: list[Page], qr: dict | None) -> dict[str, Field]:
    """The Aadhaar QR's values applied to the Aadhaar page it is on (`qr.apply_qr`), and the
    document's fields taken from the pages again."""
    from .qr import apply_qr

    for pg in pages:
        if qr and pg.number == int(qr.get("page") or 0):
            pg.fields = apply_qr(pg.document_type, pg.fields, qr)
    return merge([pg.fields for pg in pages])
