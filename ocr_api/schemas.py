"""Response models. The document shape is the core's `DocumentResult.to_dict()` (masked); these
models only describe it for the OpenAPI schema and validate what goes out."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    error: str = Field(description="machine-readable error code")
    detail: str = Field(description="what went wrong, in plain words")
    status: int


class DocumentOut(BaseModel):
    """`DocumentResult.to_dict()`: Aadhaar and VID numbers masked."""

    model_config = ConfigDict(extra="allow")

    filename: str = Field(description="the uploaded file's name; an Aadhaar/VID number in it masked")
    file_hash: str
    texts: list[str] = Field(description="the OCR lines in reading order; every Aadhaar/VID number masked "
                                         "(XXXX XXXX 1234), however it is written (spaces, dots, dashes, glued "
                                         "letters, over two lines)")
    raw_text: str = Field(description="the lines joined with newlines, masked the same way")
    document_ids: dict[str, list[str]]
    document_type: str
    document_type_score: float
    execution_time: float
    cached: bool
    engine: str
    engine_version: str
    media_type: str
    masked: bool
    pages: list[dict[str, Any]] = Field(description="each page: number, size, source, rotation, its own "
                                                    "document_type, quality, lines, and fields (a bundle's "
                                                    "page: the fields read from it under its own type; "
                                                    "empty on a one-type document's pages)")
    ids: list[dict[str, Any]]


class PageOut(BaseModel):
    number: int
    source: str = Field(description="ocr, text_layer, or mixed (a text layer plus OCR of the pictures it does not cover)")
    width: int
    height: int
    rotation: int
    texts: list[str]
    raw_text: str
    ids: list[dict[str, Any]] = Field(description="IDs found on this page (masked)")


class PdfOut(DocumentOut):
    page_count: int
    page_results: list[PageOut]


class JobSubmitted(BaseModel):
    job_id: str
    status: str
    message: str
    file_hash: str
    filename: str
    status_url: str


class JobOut(BaseModel):
    job_id: str
    status: str = Field(description="PENDING, STARTED, RETRY, SUCCESS or FAILURE")
    filename: str
    file_hash: str
    created_at: float
    started_at: float | None = None
    completed_at: float | None = None
    attempts: int = 0
    error: str | None = None
    error_code: str | None = None
    batch_id: str | None = None
    engine: str | None = None
    lang: str | None = None
    result: DocumentOut | None = None


class JobList(BaseModel):
    jobs: list[JobOut]
    count: int


class ComponentHealth(BaseModel):
    ok: bool
    detail: str | None = None


class EngineHealth(BaseModel):
    name: str
    lang: str
    version: str
    loaded: bool
    available: list[str]


class RedisHealth(ComponentHealth):
    configured: bool


class HealthOut(BaseModel):
    status: str = Field(description="ok, degraded (Redis down: async jobs refused) or down (database)")
    timestamp: str
    uptime: float
    version: str
    engine: EngineHealth
    database: ComponentHealth
    redis: RedisHealth
    jobs_backend: str


class MetricsOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    requests_processed: int
    errors: int
    error_rate: float
    uptime: float
    scans: int
    cache_hits: int
    cache_hit_rate: float
    latency_seconds: dict[str, float | None]
    ocr: dict[str, int]
    cache: dict[str, Any]
    jobs: dict[str, int]


class UnmaskIn(BaseModel):
    key: str = Field(min_length=1, max_length=64, description="the ID's key on the document (e.g. ocr-0)")
    reason: str = Field(min_length=1, max_length=500, description="why the full number is needed (audited)")


class UnmaskOut(BaseModel):
    value: str = Field(description="the full Aadhaar/VID number")


class AuditEntryOut(BaseModel):
    id: int
    action: str
    operator: str
    role: str | None = Field(None, description="the acting identity's role (none: a trusted caller)")
    time: float
    id_type: str | None = None
    field: str | None = Field(None, description="for a named field's correction: its key (name, dob, ...)")
    before: str | None = Field(None, description="for corrections: the value before, Aadhaar/VID masked")
    after: str | None = Field(None, description="for corrections: the value after, Aadhaar/VID masked")
    reason: str | None = None


class AuditOut(BaseModel):
    file_hash: str
    entries: list[AuditEntryOut]
    count: int


# ---------------------------------------------------------------- documents (the reviewed view)
class ReviewedIDOut(BaseModel):
    key: str = Field(description="stable key of the ID within the document; corrections name it")
    type: str
    value: str = Field(description="normalised; Aadhaar/VID masked")
    valid: bool
    reason: str | None
    origin: str = Field(description="ocr | edited | added | region")
    page: int
    box: list[list[float]] | None
    confidence: float | None = Field(description="the OCR's; none for a value an operator typed")


class ReviewedFieldOut(BaseModel):
    value: str = Field(description="normalised: names as printed, dates YYYY-MM-DD, gender MALE/FEMALE/TRANSGENDER")
    valid: bool
    reason: str | None = Field(description="why the value failed its check (kept with valid false)")
    source: str = Field(description="ocr | text_layer | mrz | qr | operator")
    origin: str = Field(description="ocr | edited | added")
    page: int
    box: list[list[float]] | None
    confidence: float | None = Field(description="the OCR's; none for a value an operator typed")


class ReviewedDocumentOut(BaseModel):
    """The reviewed document (`ocr_core.record.views.Reviewed.to_dict`): OCR + corrections + decision."""

    model_config = ConfigDict(extra="allow")

    file_hash: str
    filename: str
    document_type: str
    review_status: str = Field(description="pending | needs_review | approved | rejected | recapture_requested")
    reviewed_by: str | None
    reviewed_at: str | None
    n_corrections: int
    ids: list[ReviewedIDOut]
    fields: dict[str, ReviewedFieldOut] = Field(default_factory=dict,
                                                description="the named fields by key, corrections applied")


class DocumentListOut(BaseModel):
    documents: list[ReviewedDocumentOut]
    total: int
    page: int
    pages: int


class ChangeIn(BaseModel):
    """One change: ``{key, value}`` edits, ``{type, value}`` adds, ``{key, remove: true}`` removes an
    ID; ``{field, value}`` sets a named field (``name``, ``dob``, ...: a key of the document's type),
    ``{field, remove: true}`` removes it."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = Field(None, max_length=64)
    type: str | None = Field(None, max_length=32)
    value: str | None = Field(None, max_length=500, description="the ID's or the field's value (an address is long)")
    remove: bool = False
    page: int | None = Field(None, ge=1)
    field: str | None = Field(None, max_length=64, description="a named field's key (name, father_name, dob, ...)")


class CorrectionsIn(BaseModel):
    changes: list[ChangeIn] = Field(min_length=1, max_length=100)
    reason: str = Field("", max_length=500)


class ReviewIn(BaseModel):
    status: str = Field(description="approved | rejected | needs_review | pending | recapture_requested (ask "
                                    "for a new photo: operators and checkers, no four eyes)")
    reason: str = Field("", max_length=500, description="needed to reject, to ask for a new photo (the quality "
                                                         "reason: blurred, glare, too small, ...), and to approve a "
                                                         "document with no ID or of type UNKNOWN (422 reason_required "
                                                         "without it)")
