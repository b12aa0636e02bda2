"""The core's settings, read from DATAGOUV_MCP_* environment variables and a `.env` file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "DATAGOUV_MCP_"

CommaList = Annotated[list[str], NoDecode]

LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]


def _with_any_port(names: list[str]) -> list[str]:
    return [form for name in names for form in (name, f"{name}:*")]


def split_commas(value: object) -> object:
    """Operators write lists as `a,b,c`; blanks and surrounding spaces are ignored."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class CoreSettings(BaseSettings):
    """Settings of the server itself. Every field is `DATAGOUV_MCP_<FIELD>` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    allowed_hosts: CommaList = Field(default_factory=lambda: _with_any_port(LOCAL_HOSTS))
    allowed_origins: CommaList = Field(
        default_factory=lambda: _with_any_port(
            [f"{scheme}://{name}" for scheme in ("http", "https") for name in LOCAL_HOSTS]
        )
    )
    max_request_body_bytes: int = Field(1_048_576, gt=0)

    plugins: CommaList | None = None
    disabled_plugins: CommaList = Field(default_factory=list)
    exclude_tools: CommaList = Field(default_factory=list)
    trace_plugins: bool = False
    plugin_modules: CommaList = Field(default_factory=list)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "console"] = "auto"
    sentry_dsn: str | None = Field(
        None, validation_alias=AliasChoices("SENTRY_DSN", "DATAGOUV_MCP_SENTRY_DSN")
    )
    sentry_environment: str = "production"
    sentry_traces_sample_rate: float = Field(0.0, ge=0.0, le=1.0)

    readiness_timeout_seconds: float = Field(3.0, gt=0)
    readiness_cache_seconds: float = Field(5.0, ge=0)

    @field_validator(
        "allowed_hosts",
        "allowed_origins",
        "plugins",
        "disabled_plugins",
        "exclude_tools",
        "plugin_modules",
        mode="before",
    )
    @classmethod
    def _split(cls, value: object) -> object:
        return split_commas(value)

    @field_validator("plugins", mode="after")
    @classmethod
    def _empty_allowlist_means_all(cls, value: list[str] | None) -> list[str] | None:
        # `DATAGOUV_MCP_PLUGINS=` (set but empty) reads as "no allowlist", like unset.
        return value or None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def env_prefix_for(plugin_name: str) -> str:
    """`DATAGOUV_MCP_<NAME>_` for a plugin name such as `my-plugin` -> `DATAGOUV_MCP_MY_PLUGIN_`."""
    return f"{ENV_PREFIX}{plugin_name.upper().replace('-', '_').replace('.', '_')}_"
