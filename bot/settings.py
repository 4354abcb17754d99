"""Settings: `settings.toml` (or the file named by WUXUE_CONFIG) under `WUXUE_…` environment variables."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG = Path("settings.toml")
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{5,}$")


class SettingsError(Exception):
    """A bad or missing setting, with a one-line message that names the key (never its value)."""


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("must be an http:// or https:// URL")
    return value


class TelegramSettings(BaseModel):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    timeout_seconds: float = Field(10.0, gt=0, le=300)
    # Updates handled at once (in order per user and private chat: bot/ordering.py); 1 = one at a time.
    concurrent_updates: int = Field(32, ge=1, le=1024)
    connections: int = Field(16, ge=1, le=256)  # to the Bot API at once (bot/http.py)

    @field_validator("token")
    @classmethod
    def _token_shape(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not TOKEN_RE.match(v.get_secret_value()):
            raise ValueError("does not look like a bot token (digits, a colon, then letters) — ask @BotFather")
        return v

    _urls = field_validator("base_url", "base_file_url")(classmethod(lambda cls, v: _http_url(v)))


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///data/wuxue.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _async_driver(cls, v: str) -> str:
        if not (v.startswith("sqlite+aiosqlite://") or v.startswith("postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return v


class WebhookSettings(BaseModel):
    listen: str = "0.0.0.0"
    port: int = Field(8443, ge=1, le=65535)
    url: str | None = None
    path: str = "telegram"
    secret_token: SecretStr | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v in (None, "") else _http_url(v)

    @field_validator("secret_token")
    @classmethod
    def _secret(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not re.match(r"^[A-Za-z0-9_-]{1,256}$", v.get_secret_value()):
            raise ValueError("may hold only A-Z, a-z, 0-9, _ and -, at most 256 characters")
        return v


class DeliverySettings(BaseModel):
    per_second: int = Field(30, ge=1, le=10000)
    per_group_minute: int = Field(20, ge=1, le=10000)
    max_attempts: int = Field(8, ge=1, le=100)
    lease_seconds: int = Field(60, ge=5, le=3600)  # a row whose send is in flight
    # A row claimed but not yet started: short, so a crash holds it back only seconds (at most half the lease).
    claim_seconds: float = Field(5.0, ge=1, le=600)
    fallback_to_group: bool = True
    catch_up_hours: float = Field(12, ge=0, le=24 * 14)
    retry_base_seconds: float = Field(2.0, gt=0, le=60)
    retry_cap_seconds: float = Field(300.0, gt=0, le=86400)
    concurrency: int = Field(4, ge=1, le=64)
    poll_seconds: float = Field(1.0, gt=0, le=60)
    planner_tick_seconds: float = Field(30.0, gt=0, le=3600)
    leader_ttl_seconds: float = Field(90.0, gt=0, le=3600)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WUXUE_", env_nested_delimiter="__", extra="ignore", validate_default=True
    )

    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    timezone: str = "Asia/Shanghai"
    locale: Literal["zh", "en"] = "zh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    webhook: WebhookSettings = WebhookSettings()
    delivery: DeliverySettings = DeliverySettings()

    @model_validator(mode="after")
    def _lease_outlasts_a_request(self) -> Settings:
        if self.delivery.lease_seconds <= self.telegram.timeout_seconds:
            raise ValueError("delivery.lease_seconds must be longer than telegram.timeout_seconds "
                             "(a message being sent must not be claimed by another sender)")
        return self

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not a known time zone (e.g. Asia/Shanghai)") from None
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = Path(os.environ.get("WUXUE_CONFIG") or DEFAULT_CONFIG)
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=path))

    def require_token(self) -> str:
        if self.telegram.token is None:
            raise SettingsError(
                "telegram.token: missing — set WUXUE_TELEGRAM__TOKEN or telegram.token in settings.toml"
            )
        return self.telegram.token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Load settings; any problem becomes one SettingsError line naming the key."""
    config = os.environ.get("WUXUE_CONFIG")
    if config and not Path(config).is_file():
        raise SettingsError(f"WUXUE_CONFIG: file not found: {config}")
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors(include_input=False, include_url=False)[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{key}: {msg}" if key else msg) from None
    except Exception as exc:  # e.g. a TOML syntax error
        raise SettingsError(f"{config or DEFAULT_CONFIG}: {type(exc).__name__}: {exc}") from None
