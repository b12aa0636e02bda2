"""The upstream HTTP layer shared by every plugin: `context.upstream`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from datagouv_mcp import callcontext, meters
from datagouv_mcp.redislink import RedisLink
from datagouv_mcp.upstream.addresses import Resolver, classify_address
from datagouv_mcp.upstream.cache import Entry, ResponseCache
from datagouv_mcp.upstream.client import FLAG, Fetched, UpstreamClient, path
from datagouv_mcp.upstream.errors import (
    BlockedURL,
    ResponseTooLarge,
    UpstreamBadRequest,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from datagouv_mcp.upstream.fetch import GuardedFetcher, GuardedResponse
from datagouv_mcp.upstream.ratelimit import RateBudget
from datagouv_mcp.upstream.settings import BaseUrls, UpstreamSettings

__all__ = [
    "FLAG",
    "BaseUrls",
    "BlockedURL",
    "Document",
    "Fetched",
    "GuardedFetcher",
    "GuardedResponse",
    "ResponseTooLarge",
    "UpstreamBadRequest",
    "UpstreamClient",
    "UpstreamError",
    "UpstreamNotFound",
    "UpstreamRateLimited",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "Upstreams",
    "classify_address",
    "path",
]

NOT_RUNNING = (
    "the upstream layer is not running: use it in tool handlers, probes and lifespans, "
    "not in registration hooks"
)
LABELS = {
    "api": "data.gouv.fr API",
    "tabular": "data.gouv.fr Tabular API",
    "metrics": "data.gouv.fr Metrics API",
    "crawler": "data.gouv.fr crawler API",
}


def _same_host_only(base_url: str) -> Callable[[httpx.Request], Awaitable[None]]:
    """The APIs are trusted, the places they redirect to are not: stay on the configured host."""
    host = httpx.URL(base_url).host

    async def check(request: httpx.Request) -> None:
        if request.url.host != host:
            raise BlockedURL(
                f"Refused to follow a redirect from {host} to {request.url.host}.",
                hint="The upstream answered with a redirect to another host.",
            )

    return check


@dataclass(frozen=True)
class Document:
    """A document fetched from a URL of the catalogue: where it ended up (after redirects),
    its content type, its bytes; `stale` when it is the last good copy."""

    url: str
    content_type: str
    body: bytes
    fetched_at: float
    stale: bool = False


class Upstreams:
    """The upstream clients, alive between start() and aclose(): one pooled client per API."""

    def __init__(
        self,
        settings: UpstreamSettings,
        version: str,
        resolver: Resolver | None = None,
        *,
        workers: int = 1,
    ) -> None:
        self._settings = settings
        self.workers = workers
        self.redis = RedisLink(settings.redis_url) if settings.redis_url else None
        """The shared Redis (`DATAGOUV_MCP_REDIS_URL`): whether it answers; None without."""
        self._urls = settings.base_urls()
        self.user_agent = f"datagouv-mcp/{version} (+https://github.com/datagouv-mcp)"
        self._resolver = resolver
        self._clients: dict[str, UpstreamClient] = {}
        self._fetcher: GuardedFetcher | None = None
        self._cache: ResponseCache | None = None

    @property
    def settings(self) -> UpstreamSettings:
        """The upstream settings (frozen): read them, never change them."""
        return self._settings

    @property
    def urls(self) -> BaseUrls:
        """The base URL of each API, as configured."""
        return self._urls

    def _client(self, name: str) -> UpstreamClient:
        client = self._clients.get(name)
        if client is None:
            raise RuntimeError(NOT_RUNNING)
        return client

    @property
    def api(self) -> UpstreamClient:
        """The main udata API (prefix before `1/` and `2/`)."""
        return self._client("api")

    @property
    def tabular(self) -> UpstreamClient:
        return self._client("tabular")

    @property
    def metrics(self) -> UpstreamClient:
        return self._client("metrics")

    @property
    def crawler(self) -> UpstreamClient:
        return self._client("crawler")

    @property
    def fetch(self) -> GuardedFetcher:
        """The guarded fetch, for URLs read from the catalogue."""
        if self._fetcher is None:
            raise RuntimeError(NOT_RUNNING)
        return self._fetcher

    async def start(self) -> None:
        settings = self.settings
        self._cache = ResponseCache(
            settings.cache_backend(),
            settings.cache_max_entry_bytes,
            settings.cache_max_bytes,
            self.link_for(settings.cache_backend()),
        )
        rate = RateBudget(
            settings.rate_storage(),
            settings.requests_per_second,
            self.link_for(settings.rate_storage()),
            share=self.workers * settings.replicas,
        )
        limits = httpx.Limits(
            max_connections=settings.max_in_flight * 2,
            max_keepalive_connections=settings.max_in_flight,
            keepalive_expiry=30.0,
        )
        for name, label in LABELS.items():
            base = getattr(self.urls, name)
            http = httpx.AsyncClient(
                event_hooks={"request": [_same_host_only(base)]},
                headers={"User-Agent": self.user_agent, "Accept": "application/json"},
                limits=limits,
                follow_redirects=True,
                timeout=httpx.Timeout(
                    settings.request_timeout_seconds, connect=settings.connect_timeout_seconds
                ),
            )
            self._clients[name] = UpstreamClient(
                name, label, base, http, self._cache, rate, settings
            )
        self._fetcher = GuardedFetcher(settings, self.user_agent, self._resolver)

    def link_for(self, url: str) -> RedisLink | None:
        """The shared Redis's link for a URL on that Redis (one outage, one warning), else
        None (its user makes its own)."""
        redis = self.redis
        if redis is not None and url.removeprefix("async+") == redis.url:
            return redis
        return None

    def cache_usage(self) -> tuple[int, int] | None:
        """(entries, bytes) the in-process response cache holds, within
        `cache_max_bytes`; None when the cache is elsewhere (Redis), off, or not running."""
        return None if self._cache is None else self._cache.usage()

    async def document(self, url: str, *, max_bytes: int | None = None) -> Document:
        """A document found in the catalogue (an OpenAPI description, say), through the
        guarded fetch, kept in the response cache for the `document` TTL (within a tool call,
        once the call's parsers have read it); when its server fails and an expired copy is
        kept, that copy, marked stale (as the APIs' answers)."""
        if self._cache is None:
            raise RuntimeError(NOT_RUNNING)
        key = f"fetch:document:{url}"
        context = callcontext.current()
        if context is not None and isinstance(held := context.holding(key), Document):
            meters.CACHE_LOOKUPS.labels("fetch", "hit").inc()
            return held
        entry = await self._cache.get(key)
        ttl = self._settings.ttl("document")
        kept = None
        if entry is not None and len(entry.about) == 2:
            kept = Document(entry.about[0], entry.about[1], entry.body, entry.stored_at)
        if kept is not None and entry is not None and entry.age() < ttl:
            meters.CACHE_LOOKUPS.labels("fetch", "hit").inc()
            return kept
        meters.CACHE_LOOKUPS.labels("fetch", "miss").inc()
        try:
            final_url, content_type, body = await self.fetch.fetch_bytes(url, max_bytes=max_bytes)
        except (UpstreamUnavailable, UpstreamTimeout):
            if kept is None:
                raise
            if context is not None:
                since = kept.fetched_at
                context.stale_since = min(context.stale_since or since, since)
            meters.STALE_ANSWERS.labels("fetch").inc()
            return Document(kept.url, kept.content_type, kept.body, kept.fetched_at, stale=True)
        document = Document(final_url, content_type, body, fetched_at=time.time())
        entry = Entry(document.fetched_at, body, (final_url, content_type))
        await self._cache.keep(key, entry, ttl + self._settings.cache_stale_seconds, document)
        return document

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.http.aclose()
        if self._fetcher is not None:
            await self._fetcher.aclose()
            self._fetcher = None
        if self._cache is not None:
            await self._cache.close()
            self._cache = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Upstreams]:
        await self.start()
        try:
            yield self
        finally:
            await self.aclose()
