"""The silent error rate (issue 25): of all wrong or missing IDs and fields on a set, the share on
documents that were NOT flagged for a person; and invented values (a field returned valid where the
truth has none).

Works on plain dicts: a result as `DocumentResult.to_dict(unmask=True)` gives it and a truth as the
`*.gt.json` files hold it. A document is flagged when its result says so: `review_status`
`needs_review`, or a non-empty `attention` (when the result does not carry one, the desk's own rule,
`ocr_core.record.repository.attention`, is applied to its type and IDs: an invalid ID, low confidence, an
unknown type, no ID of the type's kind). A single error is also flagged when the value in question is
shown `valid: false` (a wrong field marked invalid; a missed ID where an invalid ID of that type was
reported). Values are compared as `bench/eval_fields.py` compares them (spacing and case ignored,
dates as YYYY-MM-DD); a document typed wrong has none of its fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


def iso(v: str | None) -> str | None:
    if v is None:
        return None
    return re.sub(r"^(\d\d)/(\d\d)/(\d{4})$", r"\3-\2-\1", v.strip())


def norm(v: str | None) -> str | None:
    return None if v is None else re.sub(r"\s+", " ", v).strip().casefold()


def flags(res: dict[str, Any]) -> list[str]:
    """Why the document goes to a person (empty: it does not)."""
    out = []
    if res.get("review_status") == "needs_review":
        out.append("needs_review" + (f": {res['review_reason']}" if res.get("review_reason") else ""))
    att = res.get("attention")
    if att is None:
        from ocr_core.record.repository import attention
        from ocr_core.models import DetectedID, Field

        fields = {k: Field.from_dict(k, v) for k, v in (res.get("fields") or {}).items()}
        att = attention(res.get("document_type", "UNKNOWN"), [DetectedID.from_dict(i) for i in res.get("ids", [])],
                        fields, res.get("quality"))
    elif isinstance(att, str):
        att = [a for a in att.split(",") if a]
    return out + list(att)


def _ids(res: dict[str, Any], valid: bool) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for i in res.get("ids", []):
        if bool(i.get("valid")) == valid:
            vals = i["value"].split("\n") if i["type"] == "MRZ" else [i["value"]]
            out.setdefault(i["type"], set()).update(vals)
    return out


@dataclass
class Error:
    what: str  # id_missed, id_extra, field_missing, field_wrong, invented
    key: str
    want: str | None
    got: str | None
    flagged: bool


def errors(res: dict[str, Any], gt: dict[str, Any], field_keys: tuple[str, ...] | None = None) -> list[Error]:
    """Every wrong or missing ID and field of one document, each saying whether a person sees it.
    `field_keys`: the keys scored (those of the type; default: every key in the truth's fields)."""
    doc_flagged = bool(flags(res))
    out: list[Error] = []
    valid, invalid = _ids(res, True), _ids(res, False)
    for k, want in (gt.get("ids") or {}).items():
        w, g = set(want), valid.get(k, set())
        for v in sorted(w - g):
            out.append(Error("id_missed", k, v, None, doc_flagged or bool(invalid.get(k))))
        for v in sorted(g - w):
            out.append(Error("id_extra", k, None, v, doc_flagged))
    same_type = res.get("document_type") == gt.get("document_type")
    got = (res.get("fields") or {}) if same_type else {}
    truth = gt.get("fields") or {}
    for key in field_keys if field_keys is not None else tuple(truth):
        if key not in truth:
            continue
        want, f = iso(truth[key]), got.get(key) or {}
        value, ok_flag = f.get("value"), f.get("valid", True)
        if norm(value) == norm(want):
            continue
        shown_invalid = value is not None and not ok_flag
        if want is None:
            what = "invented" if ok_flag else "field_wrong"
        else:
            what = "field_missing" if value is None else "field_wrong"
        out.append(Error(what, key, want, value, doc_flagged or shown_invalid))
    return out


@dataclass
class Silent:
    """Totals over a set (or a part of it)."""
    docs: int = 0
    flagged_docs: int = 0
    errors: int = 0
    silent: int = 0
    invented: int = 0
    silent_invented: int = 0
    null_slots: int = 0  # field keys whose truth is null (where a value could be invented)
    examples: list[str] = field(default_factory=list)

    def add(self, name: str, res: dict[str, Any], gt: dict[str, Any], field_keys: tuple[str, ...] | None = None):
        errs = errors(res, gt, field_keys)
        self.docs += 1
        self.flagged_docs += bool(flags(res))
        truth = gt.get("fields") or {}
        self.null_slots += sum(truth.get(k, 0) is None for k in (field_keys if field_keys is not None else truth))
        for e in errs:
            self.errors += 1
            self.silent += not e.flagged
            self.invented += e.what == "invented"
            self.silent_invented += e.what == "invented" and not e.flagged
            if not e.flagged:
                self.examples.append(f"{name}: {e.what} {e.key} want {e.want!r} got {e.got!r}")

    @property
    def rate(self) -> float | None:
        return round(self.silent / self.errors, 4) if self.errors else None

    def row(self, label: str) -> str:
        return (f"| {label} | {self.docs} | {self.flagged_docs} | {self.errors} | {self.silent} | "
                f"{self.rate if self.rate is not None else '-'} | {self.invented} ({self.silent_invented} silent) "
                f"of {self.null_slots} |")


HEAD = ("| set | docs | flagged docs | wrong or missing IDs and fields | on unflagged docs (silent) | "
        "silent error rate | invented values |\n|---|---|---|---|---|---|---|")
