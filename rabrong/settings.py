"""Settings from the environment (prefix RABRONG_); development secrets live in var/."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RABRONG_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    var_dir: Path = Path("var")
    database_url: str | None = None
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    # False: `rabrong up` starts no Temporal server and uses the one at temporal_address (one
    # started apart, or the tests' time-skipping server on another day: decision 0034).
    temporal_embedded: bool = True
    # False: the worker creates no schedules (vault check, checkpoints), for a Temporal server
    # without them (the time-skipping test server); both then run only when asked.
    temporal_schedules: bool = True
    # Development only: the day `rabrong up --demo` loads the demo for (its fiscal year's
    # definition and agreement); by default today.
    demo_day: date | None = None
    task_queue: str = "rabrong"
    s3_endpoint: str = "127.0.0.1:8333"
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_bucket: str = "rabrong-evidence"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_internal_port_base: int = 18330
    evidence_retention_days: int = 3650
    evidence_max_bytes: int = 100 * MIB
    evidence_download_minutes: int = 5
    evidence_check_hours: float = 24.0  # how often the scheduled vault check re-hashes everything
    audit_origin: str = "rabrong.local/audit"  # the checkpoint notes' origin and key name
    audit_key_file: Path | None = None  # Ed25519 private key (PEM); generated at first run
    audit_checkpoint_every: int = 1000  # entries between signed checkpoints
    audit_checkpoint_minutes: float = 10.0  # and at least this often while the log grows
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    token_ttl_minutes: int = 15  # access tokens (JWT); a refresh token renews them
    refresh_ttl_days: int = 14
    api_token_days: int = 365  # machine tokens
    session_key_file: Path | None = None  # HS256 key for access tokens; generated at first run
    log_level: str = "info"

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Settings:
        if self.environment == "production":
            if not self.database_url or self.database_url.startswith("sqlite"):
                raise ValueError("production needs RABRONG_DATABASE_URL for PostgreSQL")
            if not self.s3_access_key or self.s3_secret_key is None:
                raise ValueError("production needs RABRONG_S3_ACCESS_KEY and RABRONG_S3_SECRET_KEY")
            if self.demo_day is not None:
                raise ValueError("RABRONG_DEMO_DAY is for development: production has no demo")
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir.resolve() / 'rabrong.db'}"

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.var_dir / "keys" / "audit-ed25519.pem"

    @property
    def session_key_path(self) -> Path:
        return self.session_key_file or self.var_dir / "keys" / "session-hs256.key"

    @property
    def s3_credentials_file(self) -> Path:
        return self.var_dir / "s3-credentials.json"

    def s3_keys(self) -> tuple[str, str]:
        """Explicit settings win; in development the keys generated at first run are used."""
        if self.s3_access_key and self.s3_secret_key is not None:
            return self.s3_access_key, self.s3_secret_key.get_secret_value()
        data = json.loads(self.s3_credentials_file.read_text())
        return str(data["access_key"]), str(data["secret_key"])

    @property
    def spool_dir(self) -> Path:
        return self.var_dir / "incoming"

    @property
    def api_url(self) -> str:
        return f"http://{self.api_host}:{self.api_port}"
