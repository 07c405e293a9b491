"""One settings object, read from the environment and a `.env` file.

Every field is documented in the README (a test checks that). No default secrets.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CommaSet = Annotated[set[str], NoDecode]  # "a, b" in the environment: {"a", "b"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # OCR
    ocr_model_lang: str = Field("en", description="OCR language (PaddleOCR lang code)")
    ocr_engine: str = Field("cascade", description="default engine: cascade | paddleocr | paddle | tesseract | rapidocr")
    ocr_workers: int = Field(4, ge=1, description="embedded job pool size")
    ocr_dpi: int = Field(150, ge=50, le=600, description="PDF render resolution for OCR")
    ocr_gpu_enabled: bool = Field(False, description="use a GPU execution provider when available")
    ocr_threads: int = Field(2, ge=1, description="intra-op threads per engine instance")
    ocr_engine_instances: int = Field(1, ge=1, description="engine instances per process for concurrent callers")
    ocr_det_limit_side: int = Field(960, ge=320, description="detector input: longest side cap in px")
    ocr_model_dir: Path | None = Field(None, description="folder with Paddle-format det/rec models (paddle engine)")
    ocr_cache_dir: Path = Field(Path("data/models"), description="where model folders are built")

    # Cache and storage
    db_path: Path = Field(Path("data/ocr.db"), description="SQLite database file")
    cache_ttl_seconds: int = Field(86400, ge=0)
    cache_max_size: int = Field(1000, ge=1)

    # Limits on input
    max_file_bytes: int = Field(25 * 1024 * 1024, ge=1, description="largest accepted upload")
    max_page_pixels: int = Field(60_000_000, ge=1, description="largest page in pixels (decompression bombs)")
    max_pages: int = Field(100, ge=1, description="most pages per document")
    max_document_pixels: int = Field(500_000_000, ge=1, description="most pixels per document, all pages "
                                     "together (PDF pages as rendered at OCR_DPI), read from the headers before "
                                     "decoding; beyond it 413")
    user_pixels_per_minute: int = Field(2_000_000_000, ge=1, description="API: most pixels of uncached "
                                        "documents per caller (API key, else address) per minute; beyond it 429")

    # Services
    redis_url: str | None = None
    celery_broker_url: str | None = None
    celery_result_backend: str | None = None
    rate_limit_requests: int = Field(100, ge=1)
    rate_limit_period: int = Field(60, ge=1)
    rate_limit_metrics_requests: int = Field(120, ge=1, description="requests to /metrics and /metrics/prometheus "
                                             "per client per RATE_LIMIT_PERIOD, a budget apart from the other "
                                             "routes' (/health is not limited)")
    forwarded_allow_ips: CommaSet = Field(default_factory=set, description="comma-separated addresses or networks "
                                          "of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are "
                                          "believed ('*' = any); none = those headers are ignored")
    api_shutdown_timeout: float = Field(5.0, gt=0, description="seconds a stopping API waits for requests in "
                                        "flight before it cancels them (it exits at most 2 s later)")
    ocr_api_keys: CommaSet = Field(default_factory=set, description="comma-separated `name:role:key`, `name:key` "
                                   "(operator) or bare keys (anonymous operator); none = open API bound to 127.0.0.1")
    api_max_concurrency: int = Field(2, ge=1, description="OCR calls the API runs at once")
    api_queue_size: int = Field(8, ge=0, description="requests allowed to wait beyond that; then 503")
    celery_visibility_timeout: int = Field(30, ge=5, description="seconds before the job of a worker lost "
                                           "whole (main process killed, machine gone) is delivered again; live "
                                           "workers renew it (heartbeat) however long a scan takes")

    # Privacy and logging
    ocr_encryption_key: SecretStr | None = Field(None, description="Fernet key for data at rest")
    ocr_key_file: Path = Field(Path("data/secret.key"), description="key file created (0600) when no key is given")
    unmask_allowed: CommaSet = Field(default_factory=set,
                                     description="comma-separated operators allowed to unmask Aadhaar/VID ('*' = all)")
    retention_days: int = Field(90, ge=0, description="documents, files, results, jobs and corrections older "
                                "than this are purged (0 = keep forever)")
    retention_interval_hours: float = Field(6.0, gt=0, description="how often long-running processes purge")
    store_originals: bool = Field(False, description="keep the uploaded files (encrypted); false = only the "
                                  "masked page images and the encrypted result are kept")
    aadhaar_qr_cert: Path | None = Field(None, description="UIDAI's Secure QR signing certificate (PEM or DER)")
    log_level: str = "INFO"

    # Sign-in, roles, four eyes (ocr_core/auth.py, ocr_core/users.py)
    session_hours: float = Field(8.0, gt=0, description="a desk sign-in expires this many hours after it began")
    login_max_attempts: int = Field(5, ge=1, description="failed sign-ins in a row before the account is locked")
    login_lockout_minutes: float = Field(15.0, gt=0, description="how long a locked account stays locked")
    password_min_length: int = Field(10, ge=8, description="shortest password accepted")
    maker_checker: bool = Field(True, description="nobody approves or rejects a document they corrected")
    oidc_roles: str = Field("", description="for st.login (OIDC) sign-in: comma-separated `email:role` entries; "
                            "`*@domain:role` matches a domain")

    # Review
    auto_approve: bool = Field(False, description="approve, as 'system', documents whose IDs are all valid, "
                               "confident and of a known type")
    auto_approve_min_confidence: float = Field(0.9, ge=0, le=1, description="the lowest ID confidence AUTO_APPROVE "
                                               "accepts (below it a document is queued for review)")
    index_key: SecretStr | None = Field(None, description="key of the ID-number search index (HMAC); none = "
                                        "derived from the encryption key")
    audit_key: SecretStr | None = Field(None, description="key of the audit chain's HMAC and of its signed head "
                                        "(16+ characters); none = derived (HKDF) from the encryption key; never "
                                        "stored in the database")
    audit_head_file: Path | None = Field(None, description="where the audit trail's signed head is kept, outside "
                                         "the database; none = beside it (`<DB_PATH>.audit-head`)")

    @property
    def broker_url(self) -> str | None:
        return self.celery_broker_url or self.redis_url

    @field_validator("ocr_api_keys", "unmask_allowed", "forwarded_allow_ips", mode="before")
    @classmethod
    def _comma_set(cls, v: Any) -> Any:
        """A comma-separated string (the environment) becomes a set; blanks around items and empty
        items are dropped. Lists and sets pass as they are."""
        if v is None:
            return set()
        items = v.split(",") if isinstance(v, str) else v
        return {str(x).strip() for x in items if str(x).strip()}

    def may_unmask(self, operator: str) -> bool:
        """Named in UNMASK_ALLOWED (admins may unmask whatever this says: see auth.may_unmask)."""
        return bool(operator) and ("*" in self.unmask_allowed or operator in self.unmask_allowed)


@lru_cache
def get_settings() -> Settings:
    return Settings()
