"""Settings from environment variables (documented in `.env.example`).

Every command reads the same settings, so `SMECREDIT_DATABASE_URL=sqlite:///x.db smecredit db upgrade`
works against a new file. Read once per process through `get_settings()`; tests call
`get_settings.cache_clear()` after changing the environment.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SMECREDIT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default=Path("var"), description="uploads, keys and the default database")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite under data_dir")
    session_secret: str | None = Field(default=None, description="signs session cookies; default: a key file in data_dir")
    timezone: str = "Asia/Shanghai"
    business_date: date | None = Field(default=None, description="override the business date (demos, tests)")
    session_idle_minutes: int = 30
    session_max_hours: int = Field(default=12, description="a page session ends this long after sign-in, however busy")
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    # Failed sign-ins (and failed one-time codes) from one source address within the window before
    # that address is refused with 429 for the rest of the window, whichever account it tries.
    login_ip_failures: int = 20
    login_ip_window_minutes: int = 15
    api_token_hours: int = 8
    password_min_length: int = 10
    # Argon2id cost (RFC 9106's second recommended option by default: 64 MiB, 3 passes, 4 lanes).
    # Raise it on strong hardware; only the test suite lowers it (the hash records its own cost,
    # so hashes made with other settings still verify).
    password_hash_memory_kib: int = Field(default=65536, ge=1024, le=4 * 1024 * 1024,
                                          description="Argon2id memory per password hash, KiB")
    password_hash_time_cost: int = Field(default=3, ge=1, le=20, description="Argon2id passes per password hash")
    # Request bodies (bytes are counted while they stream in; Content-Length is checked first).
    max_json_kb: int = Field(default=1024, description="JSON bodies of signed-in requests")
    max_form_kb: int = Field(default=1024, description="form bodies of signed-in page requests")
    max_upload_mb: int = Field(default=20, ge=1, le=200,
                               description="largest file accepted, MiB (bodies of the …/upload routes, signed in)")
    # The document store (smecredit.documents): where stored files' encrypted bytes are kept.
    storage: Literal["local", "s3"] = Field(
        default="local", description="'local' (data_dir/documents) or 's3' (an S3-compatible bucket; needs the s3 extra)")
    s3_bucket: str = Field(default="", description="the bucket (storage=s3)")
    s3_endpoint_url: str = Field(default="", description="endpoint of an S3-compatible store (MinIO, OSS, COS); empty for AWS")
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = Field(default="documents/", description="key prefix of stored files in the bucket")
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    max_anonymous_kb: int = Field(default=16, description="any body of a request without a session or token")
    # Self-service sign-up and password reset by SMS one-time code.
    otp_ttl_minutes: int = 5
    otp_max_attempts: int = 5
    otp_resend_seconds: int = 60
    otp_per_mobile_per_hour: int = 5
    otp_per_ip_per_hour: int = 20
    sms_gateway: str = Field(default="sandbox", description="'sandbox' or 'package.module:Class' implementing SmsGateway")
    sms_sign_name: str = Field(default="小微信贷", description="短信签名, put in 【】 before every message")
    identity_verifier: str = Field(default="sandbox", description="'sandbox' or 'package.module:Class' implementing IdentityVerifier")
    cookie_secure: bool = False
    demo_seed: bool = True
    host: str = "127.0.0.1"
    public_url: str = Field(default="", description="the address people open (links sent by SMS); default http://host:port")
    port: int = 8000
    checkpoint_interval_hours: int = 24
    authorisation_valid_days: int = Field(default=365, ge=1, le=3650,
                                          description="a data-enquiry authorisation expires after this many days")
    audit_log_origin: str = Field(
        default="smecredit/audit",
        description="the audit log's name: first line of every checkpoint and the signer's key name "
        "(a schema-less URL, no spaces or '+'); set it once per deployment, before the first checkpoint")
    audit_witness_keys: str = Field(
        default="", description="witness verifier keys (C2SP vkeys, name+keyid+key) separated by commas or spaces")
    audit_witness_keys_file: Path | None = Field(
        default=None, description="a file of witness verifier keys, one a line (# comments allowed)")
    audit_required_witnesses: int = Field(
        default=0, description="how many configured witnesses `audit verify` requires by default")
    celery_broker_url: str | None = None
    celery_always_eager: bool = True

    @field_validator("business_date", "audit_witness_keys_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        return None if value in ("", None) else value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'smecredit.db').as_posix()}"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def ensure_dirs(self) -> None:
        """The data directory and what is under it are for the platform's own user only (0700):
        uploads, keys and the SQLite file hold personal information."""
        for path in (self.data_dir, self.keys_dir, self.uploads_dir):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.name == "posix":
                path.chmod(0o700)

    def resolved_session_secret(self) -> str:
        """The configured secret, or one generated once and kept in data_dir (never in the DB)."""
        if self.session_secret:
            return self.session_secret
        return _session_secret_file(self.keys_dir)


@lru_cache(maxsize=8)
def _session_secret_file(keys_dir: Path) -> str:
    """Read once per process (it is needed on every request), made on first use."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    path = keys_dir / "session_secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
