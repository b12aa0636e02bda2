"""Where the upstream APIs are and how hard we may use them: DATAGOUV_MCP_* settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from datagouv_mcp.settings import ENV_PREFIX, CommaList, split_commas

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
    """Every field is `DATAGOUV_MCP_<FIELD>` in the environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    upstream: Literal["prod", "demo"] = "prod"
    api_url: str | None = None
    site_url: str | None = None
    tabular_url: str | None = None
    metrics_url: str | None = None
    crawler_url: str | None = None
    fetch_allowed_hosts: CommaList = Field(default_factory=list)

    request_timeout_seconds: float = Field(10.0, gt=0)
    connect_timeout_seconds: float = Field(5.0, gt=0)
    call_budget_seconds: float = Field(30.0, gt=0)
    max_attempts: int = Field(4, ge=1, le=10)
    max_in_flight: int = Field(5, ge=1)
    requests_per_second: float = Field(8.0, gt=0)
    rate_limit_url: str = "async+memory://"

    cache_url: str = "mem://?size=2000"
    cache_max_entry_bytes: int = Field(2_000_000, ge=0)
    cache_ttl_search_seconds: float = Field(60.0, ge=0)
    cache_ttl_metadata_seconds: float = Field(600.0, ge=0)
    cache_ttl_document_seconds: float = Field(3600.0, ge=0)
    cache_stale_seconds: float = Field(86400.0, ge=0)

    response_max_bytes: int = Field(50_000_000, gt=0)
    fetch_max_bytes: int = Field(50_000_000, gt=0)
    fetch_timeout_seconds: float = Field(60.0, gt=0)
    fetch_max_redirects: int = Field(5, ge=0, le=20)

    @field_validator("fetch_allowed_hosts", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return split_commas(value)

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
