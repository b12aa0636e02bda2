"""The server's settings, read from DATAGOUV_MCP_* environment variables and a `.env` file,
and `load_settings`, which reads any settings class (core, upstream, telemetry, a plugin's)
and turns a bad value into a `StartupError` naming the variable and what it accepts.

Core settings are frozen, their lists tuples: nothing that holds them can change the policy
they set (allowed hosts and origins, body limits, toggles).
"""

from __future__ import annotations

import ipaddress
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import annotated_types
from pydantic import AliasChoices, Field, JsonValue, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from datagouv_mcp.errors import StartupError
from datagouv_mcp.text import shown

ENV_PREFIX = "DATAGOUV_MCP_"

CommaList = Annotated[tuple[str, ...], NoDecode]
"""A list setting, written `a,b,c` in the environment."""

LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Loopback and the private networks (RFC 1918, IPv6 unique local): where a scraper that
# reaches the server directly (a sidecar, a container network, a cluster) lives.
PRIVATE_NETWORKS = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
)

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def _ours_or(name: str, *official: str) -> AliasChoices:
    """`DATAGOUV_MCP_<NAME>`, else the official server's names for it (ours win)."""
    return AliasChoices(f"{ENV_PREFIX}{name}", *official)


def _with_any_port(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(form for name in names for form in (name, f"{name}:*"))


def split_commas(value: object) -> object:
    """Operators write lists as `a,b,c`; blanks and surrounding spaces are ignored."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def frozen_config() -> SettingsConfigDict:
    """The configuration every core settings class shares: DATAGOUV_MCP_*, `.env`, frozen."""
    return SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )


SECRET: dict[str, JsonValue] = {"secret": True}
"""`json_schema_extra` of a setting that may hold a password: never echoed in an error."""


class CoreSettings(BaseSettings):
    """Settings of the server itself. Every field is `DATAGOUV_MCP_<FIELD>` in the environment;
    `MCP_HOST` and `MCP_PORT`, the official server's names, work too (ours win)."""

    model_config = frozen_config()

    # What `serve` speaks (`--transport` wins): for launchers that add their own flags.
    transport: Literal["http", "stdio"] = "http"
    host: str = Field("127.0.0.1", validation_alias=_ours_or("HOST", "MCP_HOST"))
    port: int = Field(8000, ge=0, le=65535, validation_alias=_ours_or("PORT", "MCP_PORT"))
    # `serve` processes on one port; the rate budget is divided among them, unless Redis
    # counts it for all.
    workers: int = Field(1, ge=1, le=64)
    allowed_hosts: CommaList = Field(default_factory=lambda: _with_any_port(LOCAL_HOSTS))
    allowed_origins: CommaList = Field(
        default_factory=lambda: _with_any_port(
            tuple(f"{scheme}://{name}" for scheme in ("http", "https") for name in LOCAL_HOSTS)
        )
    )
    max_request_body_bytes: int = Field(1_048_576, gt=0)
    # No tool answer nor resource read is larger: its text, and its structured content, each.
    answer_max_bytes: int = Field(200_000, ge=20_000, le=20_000_000)
    # Slow clients (`serve`): a request's headers, then its body, must arrive within these;
    # idle kept-alive connections are closed after keepalive_seconds (docs/operating.md).
    header_timeout_seconds: float = Field(10.0, gt=0, le=300)
    body_timeout_seconds: float = Field(30.0, gt=0, le=300)
    keepalive_seconds: int = Field(15, ge=1, le=3600)
    max_connections: int = Field(1000, ge=1)

    # Per-client rate limit over HTTP, in the `limits` notation (`60/minute`); None: off.
    rate_limit: str | None = None
    # Proxies whose X-Forwarded-For names the client: addresses or networks.
    trusted_proxies: CommaList = ()
    # Bearer tokens for a private deployment; none (the default): no authentication.
    auth_tokens: CommaList = Field((), json_schema_extra=SECRET)
    auth_tokens_file: str | None = None

    plugins: CommaList | None = None
    disabled_plugins: CommaList = ()
    exclude_tools: CommaList = ()
    trace_plugins: bool = False
    plugin_modules: CommaList = ()

    readiness_timeout_seconds: float = Field(3.0, gt=0)
    readiness_cache_seconds: float = Field(5.0, ge=0)

    # GET /metrics (Prometheus): on or off, and the client addresses it is served to.
    prometheus: bool = True
    prometheus_allowed_addresses: CommaList = PRIVATE_NETWORKS

    @field_validator(
        "allowed_hosts",
        "allowed_origins",
        "plugins",
        "disabled_plugins",
        "exclude_tools",
        "plugin_modules",
        "trusted_proxies",
        "auth_tokens",
        "prometheus_allowed_addresses",
        mode="before",
    )
    @classmethod
    def _split(cls, value: object) -> object:
        return split_commas(value)

    @field_validator("rate_limit", mode="after")
    @classmethod
    def _a_rate(cls, value: str | None) -> str | None:
        if not value:
            return None
        from limits import parse_many

        try:
            rates = parse_many(value)
        except ValueError:
            rates = []
        if len(rates) != 1 or rates[0].amount < 1:
            raise ValueError(
                "expected one rate in the limits notation such as 60/minute or 1000/hour, "
                "or nothing to leave the rate limit off"
            )
        return value

    @field_validator("trusted_proxies", "prometheus_allowed_addresses", mode="after")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        try:
            for item in value:
                ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(
                "expected IP addresses or networks such as 10.0.0.0/8 or 127.0.0.1, comma-separated"
            ) from None
        return value

    @field_validator("auth_tokens", mode="after")
    @classmethod
    def _tokens(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return checked_tokens(value)

    @field_validator("auth_tokens_file", mode="after")
    @classmethod
    def _a_token_file(cls, value: str | None) -> str | None:
        if value:
            read_tokens(value)
        return value or None

    @field_validator("plugins", mode="after")
    @classmethod
    def _empty_allowlist_means_all(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        # `DATAGOUV_MCP_PLUGINS=` (set but empty) reads as "no allowlist", like unset.
        return value or None


class TelemetrySettings(BaseSettings):
    """Logs and error reporting. Every field is `DATAGOUV_MCP_<FIELD>`; the official server's
    names work too (`LOG_LEVEL`, `SENTRY_DSN`, `SENTRY_SAMPLE_RATE`, `MCP_ENV` for Sentry's
    environment), ours winning when both are set."""

    model_config = frozen_config()

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_ours_or("LOG_LEVEL", "LOG_LEVEL")
    )
    log_format: Literal["auto", "json", "console"] = "auto"
    sentry_dsn: str | None = Field(
        None,
        validation_alias=_ours_or("SENTRY_DSN", "SENTRY_DSN"),
        json_schema_extra=SECRET,
    )
    sentry_environment: str = Field(
        "production", validation_alias=_ours_or("SENTRY_ENVIRONMENT", "MCP_ENV")
    )
    # The share of errors sent (Sentry's `sample_rate`); traces have their own.
    sentry_sample_rate: float = Field(
        1.0, ge=0.0, le=1.0, validation_alias=_ours_or("SENTRY_SAMPLE_RATE", "SENTRY_SAMPLE_RATE")
    )
    sentry_traces_sample_rate: float = Field(0.0, ge=0.0, le=1.0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("sentry_dsn", mode="after")
    @classmethod
    def _a_dsn(cls, value: str | None) -> str | None:
        if not value:
            return None
        from sentry_sdk.utils import BadDsn, Dsn

        try:
            Dsn(value)
        except BadDsn:
            raise ValueError(
                "expected a Sentry DSN such as https://<public key>@<host>/<project id>, "
                "or nothing to leave Sentry off"
            ) from None
        return value


MIN_TOKEN_CHARS = 16


def checked_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Bearer tokens long enough not to be guessed, without spaces (an HTTP header carries them)."""
    if any(
        len(token) < MIN_TOKEN_CHARS or not token.isprintable() or " " in token for token in tokens
    ):
        raise ValueError(
            f"expected tokens of at least {MIN_TOKEN_CHARS} characters without spaces "
            "(e.g. from `openssl rand -hex 32`), comma-separated"
        )
    return tokens


def read_tokens(path: str) -> tuple[str, ...]:
    """The bearer tokens of a file: one a line, blank lines and `#` comments ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ValueError(f"cannot read the token file {path!r} ({reason})") from None
    tokens = tuple(
        line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")
    )
    if not tokens:
        raise ValueError(f"the token file {path!r} holds no token (one a line)")
    return checked_tokens(tokens)


def env_prefix_for(plugin_name: str) -> str:
    """`DATAGOUV_MCP_<NAME>_` for a plugin name such as `my-plugin` -> `DATAGOUV_MCP_MY_PLUGIN_`."""
    return f"{ENV_PREFIX}{plugin_name.upper().replace('-', '_').replace('.', '_')}_"


# -- reading settings, explaining bad values ---------------------------------------------------


def _bounds(metadata: list[Any]) -> str:
    low = high = ""
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"at least {item.ge}"
        elif isinstance(item, annotated_types.Gt):
            low = f"greater than {item.gt}"
        elif isinstance(item, annotated_types.Le):
            high = f"at most {item.le}"
        elif isinstance(item, annotated_types.Lt):
            high = f"less than {item.lt}"
    if low.startswith("at least") and high.startswith("at most"):
        return f" from {low.removeprefix('at least ')} to {high.removeprefix('at most ')}"
    parts = [part for part in (low, high) if part]
    return f" {' and '.join(parts)}" if parts else ""


def accepted_values(field: FieldInfo) -> str:
    """What a setting accepts, in words, from its type and bounds."""
    annotation: Any = field.annotation
    optional = False
    if get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation):
        annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        optional = True
    origin = get_origin(annotation)
    if origin is Literal:
        text = "one of: " + ", ".join(str(value) for value in get_args(annotation))
    elif annotation is bool:
        text = "true or false (also 1/0, yes/no, on/off)"
    elif annotation is int:
        text = "an integer" + _bounds(field.metadata)
    elif annotation is float:
        text = "a number" + _bounds(field.metadata)
    elif origin in (tuple, list):
        text = "a comma-separated list"
    else:
        text = "a text"
    return text + (", or nothing to leave it unset" if optional else "")


def _variable(settings_class: type[BaseSettings], name: str, prefix: str) -> tuple[str, FieldInfo]:
    """The environment variable(s) a field is read from, and the field."""
    fields = settings_class.model_fields
    for field_name, field in fields.items():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else []
        if name in choices or field_name == name:
            names = [str(choice) for choice in choices] or [f"{prefix}{field_name.upper()}"]
            rest = f" (or {', '.join(names[1:])})" if len(names) > 1 else ""
            return names[0] + rest, field
    return f"{prefix}{name.upper()}", FieldInfo()


def explain(
    error: ValidationError, settings_class: type[BaseSettings], prefix: str = ENV_PREFIX
) -> str:
    """One sentence per bad value: the variable, what it holds, what it accepts."""
    problems = []
    for item in error.errors():
        if not item["loc"]:  # a rule over several settings: its message names them
            problems.append(f"{str(item['msg']).removeprefix('Value error, ')}.")
            continue
        name = str(item["loc"][0])
        variable, field = _variable(settings_class, name, prefix)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        value = "" if extra.get("secret") else f"={shown(item.get('input'), 60)}"
        if item["type"] == "value_error":
            expected = str(item["msg"]).removeprefix("Value error, ")
        else:
            expected = f"expected {accepted_values(field)}"
        problems.append(f"{variable}{value}: {expected}.")
    return " ".join(problems)


def _ignoring_others(settings_class: type[SettingsT]) -> type[SettingsT]:
    """A plugin's class as it reads `.env`: the lines that are not its own (the server's, other
    plugins', the official server's names) are none of its business, whatever its `extra`."""
    if settings_class.model_config.get("extra") == "ignore":
        return settings_class
    config = {**settings_class.model_config, "extra": "ignore"}
    namespace = {"model_config": config, "__module__": settings_class.__module__}
    return type(settings_class.__name__, (settings_class,), namespace)


def load_settings(
    settings_class: type[SettingsT], prefix: str | None = None, **values: Any
) -> SettingsT:
    """An instance of `settings_class` from the environment and `.env` (`values` win), or a
    StartupError naming each bad variable and what it accepts.

    `prefix` is for a plugin's class (`DATAGOUV_MCP_<NAME>_`); core classes carry theirs."""
    given = {key: value for key, value in values.items() if value is not None}
    try:
        if prefix is None:
            return settings_class(**given)
        options: Mapping[str, Any] = {"_env_prefix": prefix, "_env_file": ".env"}
        return _ignoring_others(settings_class)(**options, **given)
    except ValidationError as exc:
        shown_prefix = prefix or str(settings_class.model_config.get("env_prefix") or "")
        raise StartupError(
            f"Invalid setting: {explain(exc, settings_class, shown_prefix)} "
            "Fix it in the environment (or .env) and start again."
        ) from None
