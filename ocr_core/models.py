"""The one typed result hierarchy: document -> page -> line, plus detected IDs and named fields.

Reused by the UI, the API and the workers (`to_dict` / `from_dict`). `to_dict()` masks Aadhaar
and VID numbers unless `unmask=True` is asked for explicitly (the cache stores the unmasked form,
encrypted; see `store`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from . import doctypes
from .idtypes import ID_TYPES
from .privacy import MASKED_TYPES, mask_data, mask_id, mask_lines, mask_text

__all__ = ["ID_TYPES", "DOCUMENT_TYPES", "Box", "Line", "DetectedID", "Page", "DocumentResult"]
DOCUMENT_TYPES = doctypes.DOCUMENT_TYPES  # the document-type registry's, then MIXED and UNKNOWN
MIXED = doctypes.MIXED  # a document whose known pages are of different types (a KYC bundle)

Box = list[list[float]]  # four [x, y] points, clockwise from top-left, in page pixels


@dataclass
class Line:
    text: str
    box: Box
    confidence: float
    # "deva" where the engine saw a Devanagari headline on the line (`engines.script.has_headline`):
    # its Latin reading is junk, never a value; None where it did not look
    script: str | None = None

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        d = {"text": self.text if unmask else mask_text(self.text), "box": self.box,
             "confidence": round(float(self.confidence), 4)}
        if self.script:
            d["script"] = self.script
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Line":
        return cls(text=d["text"], box=[list(map(float, p)) for p in d["box"]], confidence=float(d["confidence"]),
                   script=d.get("script"))


@dataclass
class DetectedID:
    type: str
    value: str  # normalised (compact) value
    valid: bool
    confidence: float | None  # None: typed by an operator, not read by the OCR
    page: int = 1
    box: Box | None = None
    reason: str | None = None  # why it is invalid
    raw: str | None = None  # the OCR text, when an OCR confusion was repaired
    repaired: bool = False
    key: str = ""  # stable within the document (see `assign_keys`); corrections refer to it

    @property
    def display(self) -> str:
        return mask_id(self.type, self.value)

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        masked = self.type in MASKED_TYPES and not unmask
        d = asdict(self)
        d["value"] = self.display if masked else self.value
        d["display"] = self.display
        d["masked"] = masked
        if masked and self.raw:
            d["raw"] = mask_text(self.raw)
        d["confidence"] = None if self.confidence is None else round(float(self.confidence), 4)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DetectedID":
        conf = d.get("confidence", 0.0)
        return cls(type=d["type"], value=d["value"], valid=bool(d["valid"]),
                   confidence=None if conf is None else float(conf), page=int(d.get("page", 1)),
                   box=d.get("box"), reason=d.get("reason"), raw=d.get("raw"),
                   repaired=bool(d.get("repaired", False)), key=d.get("key") or "")


def assign_keys(ids: list[DetectedID]) -> list[DetectedID]:
    """Give every ID without one its stable key: ``<type>-p<page>-<n>``, n counting the IDs of
    that type on that page in reading order (top to bottom, then left to right), so the same scan
    always yields the same keys and a legacy result (stored before keys) derives the ones it would
    have had. Keys already given are kept. A field (``result.fields``) gets the same kind of key,
    and a correction names either (``id:<key>`` or ``field:<key>``)."""
    def pos(d: DetectedID) -> tuple[float, float]:
        if not d.box:
            return (0.0, 0.0)
        return (min(p[1] for p in d.box), min(p[0] for p in d.box))

    taken = {d.key for d in ids if d.key}
    counts: dict[tuple[str, int], int] = {}
    for d in sorted(ids, key=lambda d: (d.page, d.type, *pos(d))):
        if d.key:
            continue
        n = counts.get((d.type, d.page), 0)
        while True:
            n += 1
            key = f"{d.type.lower()}-p{d.page}-{n}"
            if key not in taken:
                break
        counts[(d.type, d.page)] = n
        d.key = key
        taken.add(key)
    return ids


FIELD_SOURCES = ("ocr", "text_layer", "mrz", "qr")  # where a field was read; "operator": typed in review


@dataclass
class Field:
    """One named field of a document (`name`, `dob`, ...), keyed in `DocumentResult.fields`.

    `value` is normalised (names with single spaces, dates `YYYY-MM-DD`, gender `MALE`/`FEMALE`/
    `TRANSGENDER`); a field that fails validation keeps its value with `valid` false and the reason.
    """
    key: str
    value: str | None
    confidence: float | None = 0.0  # None: typed by an operator (review)
    page: int = 1
    box: Box | None = None
    valid: bool = True
    reason: str | None = None
    source: str = "ocr"  # one of FIELD_SOURCES

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        d = asdict(self)
        del d["key"]
        if not unmask and self.value:
            d["value"] = mask_text(self.value)  # no field holds an Aadhaar/VID; belt and braces
        d["confidence"] = None if self.confidence is None else round(float(self.confidence), 4)
        return d

    @classmethod
    def from_dict(cls, key: str, d: dict[str, Any]) -> "Field":
        conf = d.get("confidence", 0.0)
        return cls(key=key, value=d.get("value"), confidence=None if conf is None else float(conf),
                   page=int(d.get("page", 1)), box=d.get("box"), valid=bool(d.get("valid", True)),
                   reason=d.get("reason"), source=d.get("source", "ocr"))


@dataclass
class Page:
    number: int  # 1-based
    width: int
    height: int
    source: str  # "ocr" or "text_layer"
    lines: list[Line] = field(default_factory=list)
    rotation: int = 0  # degrees the page image was turned (clockwise) before OCR
    document_type: str = "UNKNOWN"  # this page's own type (a bundle's pages differ)
    document_type_score: float = 0.0
    quality: dict[str, Any] = field(default_factory=dict)  # measures (see `quality`), with ok and reasons
    # a bundle's (MIXED) page: the fields read from this page alone under its own type, as read
    # (`fields.bundle`); empty on the pages of a one-type document (its fields are the document's)
    fields: dict[str, Field] = field(default_factory=dict)

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        return {"number": self.number, "width": self.width, "height": self.height, "source": self.source,
                "rotation": self.rotation, "document_type": self.document_type,
                "document_type_score": round(self.document_type_score, 3), "quality": self.quality,
                "lines": [ln.to_dict(unmask) for ln in self.lines],
                "fields": {k: f.to_dict(unmask) for k, f in self.fields.items()}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Page":
        return cls(number=int(d["number"]), width=int(d["width"]), height=int(d["height"]),
                   source=d["source"], rotation=int(d.get("rotation", 0)),
                   document_type=d.get("document_type", "UNKNOWN"),
                   document_type_score=float(d.get("document_type_score", 0.0)), quality=d.get("quality") or {},
                   lines=[Line.from_dict(x) for x in d.get("lines", [])],
                   fields={k: Field.from_dict(k, f) for k, f in (d.get("fields") or {}).items()})


@dataclass
class DocumentResult:
    filename: str
    file_hash: str
    pages: list[Page]
    ids: list[DetectedID]
    document_type: str = "UNKNOWN"
    document_type_score: float = 0.0
    execution_time: float = 0.0
    cached: bool = False
    engine: str = ""
    engine_version: str = ""
    media_type: str = ""
    quality: dict[str, Any] = field(default_factory=lambda: {"ok": True, "reasons": []})  # {ok, reasons}

    @property
    def page_types(self) -> list[str]:
        return [p.document_type for p in self.pages]

    def has_type(self, doc_type: str) -> bool:
        """The document is of this type, or one of its pages is (a bundle)."""
        return self.document_type == doc_type or doc_type in self.page_types
    fields: dict[str, Field] = field(default_factory=dict)  # by key; see ocr_core.fields
    aadhaar_qr: dict[str, Any] | None = None  # the Aadhaar QR found on the document (aadhaar_qr.read_document)

    @property
    def lines(self) -> list[Line]:
        return [ln for p in self.pages for ln in p.lines]

    @property
    def texts(self) -> list[str]:
        return [ln.text for ln in self.lines]

    @property
    def raw_text(self) -> str:
        return "\n".join(self.texts)

    @property
    def min_confidence(self) -> float | None:
        confs = [ln.confidence for ln in self.lines]
        return min(confs) if confs else None

    def document_ids(self, unmask: bool = False) -> dict[str, list[str]]:
        """Valid IDs by type (every key present). Aadhaar and VID masked unless unmask."""
        out: dict[str, list[str]] = {k: [] for k in ID_TYPES}
        for i in self.ids:
            if not i.valid:
                continue
            vals = i.value.split("\n") if i.type == "MRZ" else [i.value if unmask or i.type not in MASKED_TYPES else i.display]
            for v in vals:
                if v not in out[i.type]:
                    out[i.type].append(v)
        return out

    def to_dict(self, unmask: bool = False) -> dict[str, Any]:
        """The result as JSON. Masked (the default): the lines are masked together (a number split
        over two lines is found), then every string (file name, quality reasons, fields, the QR
        section...) goes through `privacy.mask_data`, the one filter."""
        d = self._as_dict(unmask)
        if unmask:
            return d
        shown = iter(mask_lines(d["texts"]))
        for p in d["pages"]:
            for ln in p["lines"]:
                ln["text"] = next(shown)
        d = mask_data(d)
        d["texts"] = [ln["text"] for p in d["pages"] for ln in p["lines"]]
        d["raw_text"] = "\n".join(d["texts"])
        d["masked"] = True
        return d

    def _as_dict(self, unmask: bool) -> dict[str, Any]:
        lines = [ln.to_dict(True) for ln in self.lines]
        return {
            "filename": self.filename,
            "file_hash": self.file_hash,
            "texts": [ln["text"] for ln in lines],
            "raw_text": "\n".join(ln["text"] for ln in lines),
            "document_ids": self.document_ids(unmask),
            "document_type": self.document_type,
            "document_type_score": round(self.document_type_score, 3),
            "execution_time": round(self.execution_time, 4),
            "cached": self.cached,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "media_type": self.media_type,
            "page_types": self.page_types,
            "quality": self.quality,
            "masked": not unmask,
            "pages": [p.to_dict(True) for p in self.pages],
            "ids": [i.to_dict(unmask) for i in self.ids],
            "fields": {k: f.to_dict(unmask) for k, f in self.fields.items()},
            "aadhaar_qr": self.aadhaar_qr,
        }

    def field_values(self) -> dict[str, str | None]:
        """Each field's value by key (no Aadhaar/VID can be among them)."""
        return {k: f.value for k, f in self.fields.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DocumentResult":
        if d.get("masked"):
            raise ValueError("a masked result cannot be restored; store results with to_dict(unmask=True)")
        return cls(filename=d["filename"], file_hash=d["file_hash"],
                   pages=[Page.from_dict(p) for p in d.get("pages", [])],
                   ids=assign_keys([DetectedID.from_dict(i) for i in d.get("ids", [])]),
                   document_type=d.get("document_type", "UNKNOWN"),
                   document_type_score=float(d.get("document_type_score", 0.0)),
                   execution_time=float(d.get("execution_time", 0.0)), cached=bool(d.get("cached", False)),
                   engine=d.get("engine", ""), engine_version=d.get("engine_version", ""),
                   media_type=d.get("media_type", ""), quality=d.get("quality") or {"ok": True, "reasons": []},
                   fields={k: Field.from_dict(k, f) for k, f in (d.get("fields") or {}).items()},
                   aadhaar_qr=d.get("aadhaar_qr"))
