"""Where the upstream APIs are and how hard we may use them: DATAGOUV_MCP_* settings."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings

from datagouv_mcp.redislink import is_redis
from datagouv_mcp.settings import SECRET, CommaList, frozen_config, split_commas

PRESETS: dict[str, dict[str, str]] = {
    "prod": {
        "api": "https://www.data.gouv.fr/api/",
        "site": "https://www.data.gouv.fr/",
        "tabular": "https://tabular-api.data.gouv.fr/api/",
        "metrics": "https://metric-api.data.gouv.fr/api/",
        "crawler": "https://crawler.data.gouv.fr/api/",
    },
    "demo": {
        "api": "https://demo.data.gouv.fr/api/",
        "site": "https://demo.data.gouv.fr/",
        "tabular": "https://tabular-api.preprod.data.gouv.fr/api/",
        # The Metrics API has no demo instance: the metrics plugin decides what to do.
        "metrics": "https://metric-api.data.gouv.fr/api/",
        "crawler": "https://demo-crawler.data.gouv.fr/api/",
    },
}


@dataclass(frozen=True)
class BaseUrls:
    """The resolved base URL of each API, each ending with a slash."""

    api: str
    site: str
    tabular: str
    metrics: str
    crawler: str


def _slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


class UpstreamSettings(BaseSettings):
    """Every field is `DATAGOUV_MCP_<FIELD>` in the environment. Frozen."""

    model_config = frozen_config()

    # The official server's DATAGOUV_API_ENV (earlier DATAGOUV_ENV) works too; ours wins.
    upstream: Literal["prod", "demo"] = Field(
        "prod",
        validation_alias=AliasChoices("DATAGOUV_MCP_UPSTREAM", "DATAGOUV_API_ENV", "DATAGOUV_ENV"),
    )
    api_url: str | None = None
    site_url: str | None = None
    tabular_url: str | None = None
    metrics_url: str | None = None
    crawler_url: str | None = None
    fetch_allowed_hosts: CommaList = ()

    request_timeout_seconds: float = Field(10.0, gt=0)
    connect_timeout_seconds: float = Field(5.0, gt=0)
    call_budget_seconds: float = Field(30.0, gt=0)
    max_attempts: int = Field(4, ge=1, le=10)
    max_in_flight: int = Field(5, ge=1)
    requests_per_second: float = Field(8.0, gt=0)
    # Replicas sharing the budget: each counting alone (Redis away, or no Redis) keeps its
    # share, requests_per_second / (replicas x workers), so the total still holds.
    replicas: int = Field(1, ge=1, le=1000)
    rate_limit_url: str = Field("async+memory://", json_schema_extra=SECRET)

    # Redis shared by the replicas: the cache, fill locks, rate budget and per-client limit
    # (unless CACHE_URL or RATE_LIMIT_URL say otherwise for their part).
    redis_url: str | None = Field(None, json_schema_extra=SECRET)
    coalesce_wait_seconds: float = Field(3.0, ge=0, le=60)

    # The response cache: bounded in bytes in process, per entry everywhere, in time (TTL plus
    # the stale window) everywhere; Redis's total is its own `maxmemory`.
    cache_url: str = Field("mem://", json_schema_extra=SECRET)
    cache_max_bytes: int = Field(64_000_000, ge=0)
    cache_max_entry_bytes: int = Field(2_000_000, ge=0)
    cache_ttl_search_seconds: float = Field(60.0, ge=0, le=86400)
    cache_ttl_metadata_seconds: float = Field(600.0, ge=0, le=86400)
    cache_ttl_document_seconds: float = Field(3600.0, ge=0, le=86400)
    cache_stale_seconds: float = Field(21600.0, ge=0, le=86400)

    response_max_bytes: int = Field(50_000_000, gt=0)
    fetch_max_bytes: int = Field(50_000_000, gt=0)
    fetch_timeout_seconds: float = Field(60.0, gt=0)
    fetch_max_redirects: int = Field(5, ge=0, le=20)

    @field_validator("upstream", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("fetch_allowed_hosts", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return split_commas(value)

    @field_validator("api_url", "site_url", "tabular_url", "metrics_url", "crawler_url")
    @classmethod
    def _an_http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "expected an http(s) URL such as https://www.data.gouv.fr/api/, "
                "or nothing to use the preset"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _a_redis_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not is_redis(value) or "://" not in value:
            raise ValueError(
                "expected a Redis URL such as redis://redis:6379/0 (rediss:// for TLS, "
                "redis://:password@host:6379/0 with a password), or nothing to keep every "
                "replica's state in its own memory"
            )
        if importlib.util.find_spec("redis") is None:
            raise ValueError(
                "needs Redis's client, the redis package: pip install 'datagouv-mcp-core[redis]'"
            )
        return value

    @field_validator("cache_url")
    @classmethod
    def _a_cache_url(cls, value: str) -> str:
        from cashews.exceptions import BackendNotAvailableError
        from cashews.wrapper.backend_settings import settings_url_parse

        expected = (
            "expected a cache URL: mem://?size=N (in process; size, at most N entries, is "
            "optional) or redis://host:6379/0 (needs the redis package)"
        )
        try:
            _, params, _ = settings_url_parse(value)
        except (BackendNotAvailableError, ValueError) as exc:
            raise ValueError(f"{expected}; this one is refused ({exc})") from None
        size = params.get("size")
        if (
            value.startswith("mem://")
            and size is not None
            and not (isinstance(size, int) and size > 0)
        ):
            raise ValueError(f"{expected}; this one's size is not a positive integer")
        return value

    @field_validator("rate_limit_url")
    @classmethod
    def _a_rate_limit_url(cls, value: str) -> str:
        from limits.errors import ConfigurationError
        from limits.storage import storage_from_string

        scheme = urlsplit(value).scheme
        options = {"implementation": "redispy"} if is_redis(value) else {}
        try:
            # Builds the storage object without connecting to it.
            known = scheme.startswith("async+") and storage_from_string(value, **options)
        except ConfigurationError:
            known = False
        if not known:
            raise ValueError(
                "expected an async limits storage URL: async+memory:// (in process) or "
                "async+redis://host:6379 (shared between replicas)"
            )
        return value

    def cache_backend(self) -> str:
        """Where the response cache is: `cache_url` when set, else the shared Redis, else
        in process."""
        if self.redis_url and "cache_url" not in self.model_fields_set:
            return self.redis_url
        return self.cache_url

    def rate_storage(self) -> str:
        """Where rate budgets and per-client limits are counted: `rate_limit_url` when set,
        else the shared Redis, else in process."""
        if self.redis_url and "rate_limit_url" not in self.model_fields_set:
            return f"async+{self.redis_url}"
        return self.rate_limit_url

    def base_urls(self) -> BaseUrls:
        preset = PRESETS[self.upstream]
        return BaseUrls(
            api=_slash(self.api_url or preset["api"]),
            site=_slash(self.site_url or preset["site"]),
            tabular=_slash(self.tabular_url or preset["tabular"]),
            metrics=_slash(self.metrics_url or preset["metrics"]),
            crawler=_slash(self.crawler_url or preset["crawler"]),
        )

    def ttl(self, family: str) -> float:
        return {
            "search": self.cache_ttl_search_seconds,
            "metadata": self.cache_ttl_metadata_seconds,
            "document": self.cache_ttl_document_seconds,
        }[family]
