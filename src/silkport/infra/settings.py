"""Configuration from the environment (prefix ``SILKPORT_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SILKPORT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./var/silkport.db"
    #: secret for signing CSRF tokens and webhooks; set it in production
    secret_key: str = Field(default="dev-only-change-me-" + "0" * 16, min_length=16)
    token_ttl_minutes: int = Field(default=8 * 60, ge=1)
    session_ttl_minutes: int = Field(default=12 * 60, ge=1)
    #: mark the session cookie Secure (on by default; the demo on http://127.0.0.1 switches it off)
    cookie_secure: bool = True
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    log_json: bool = False
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    #: where trained risk models are kept (``silkport risk train``); the newest one judges declarations
    model_dir: Path = Path("var/models")
    #: the inspection budget: the share of declarations the learned model may send to red
    inspection_budget: float = Field(default=0.05, ge=0.0, le=1.0)
    #: demo sign-in password for the seeded users (only `silkport demo` uses it)
    demo_password: str = "silkport-demo"  # noqa: S105 - documented demo sign-in, demo only

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        tail = self.database_url.split(":///", 1)[-1]
        return None if tail in ("", ":memory:") else Path(tail)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
