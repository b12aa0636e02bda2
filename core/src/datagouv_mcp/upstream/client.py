"""One upstream API: pooled connections, rate and concurrency limits, retries, coalescing of
identical GETs in flight, and a cache that can answer stale when the upstream fails."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, quote_plus, urlencode

import httpx

from datagouv_mcp import callcontext
from datagouv_mcp.upstream.cache import ResponseCache
from datagouv_mcp.upstream.errors import (
    ResponseTooLarge,
    UpstreamBadRequest,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from datagouv_mcp.upstream.messages import upstream_message
from datagouv_mcp.upstream.ratelimit import RateBudget
from datagouv_mcp.upstream.retry import (
    RETRYABLE_STATUS,
    RetryableStatus,
    retry_after_seconds,
    retrying,
)
from datagouv_mcp.upstream.settings import UpstreamSettings

Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None
TTLFamily = Literal["search", "metadata", "document"]
_STALE_ON = (UpstreamUnavailable, UpstreamTimeout, UpstreamRateLimited)


@dataclass(frozen=True)
class Fetched:
    """A decoded upstream answer. `stale` when it is the last good answer, served because the
    upstream failed; `fetched_at` is when it was obtained (epoch seconds)."""

    data: Any
    url: str
    fetched_at: float
    stale: bool = False


def path(*segments: str, trailing_slash: bool = True) -> str:
    """A relative path from segments, each percent-encoded: a segment cannot escape its place."""
    joined = "/".join(quote(str(segment), safe="") for segment in segments)
    return joined + "/" if trailing_slash else joined


class _Flag:
    def __repr__(self) -> str:
        return "FLAG"


FLAG: Any = _Flag()
"""A query parameter's value meaning: send the name alone, without `=` (`col__isnull`)."""


def _parts(params: Params) -> list[str]:
    """The query string's parts, each encoded: `name=value`, or `name` for a FLAG; a None
    value leaves its parameter out."""
    items = params.items() if isinstance(params, Mapping) else (params or [])
    parts = []
    for key, value in items:
        if value is None:
            continue
        if value is FLAG:
            parts.append(quote_plus(str(key)))
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        parts.append(urlencode([(key, str(value))]))
    return parts


class UpstreamClient:
    def __init__(
        self,
        name: str,
        label: str,
        base_url: str,
        http: httpx.AsyncClient,
        cache: ResponseCache,
        rate: RateBudget,
        settings: UpstreamSettings,
    ) -> None:
        self.name = name
        self.label = label
        self.base_url = base_url
        self.http = http
        self._cache = cache
        self._rate = rate
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        self._in_flight: dict[str, asyncio.Task[Fetched]] = {}

    def url(self, relative: str, params: Params = None) -> str:
        if "://" in relative or relative.startswith("/") or ".." in relative.split("/"):
            raise ValueError(f"not a relative API path: {relative!r}")
        query = "&".join(_parts(params))
        return self.base_url + relative + (f"?{query}" if query else "")

    async def get_json(
        self, relative: str, params: Params = None, *, ttl: TTLFamily | None = "metadata"
    ) -> Fetched:
        """GET a JSON document. Raises the typed UpstreamError subclasses."""
        return await self._get(relative, params, ttl, "json")

    async def get_text(
        self, relative: str, params: Params = None, *, ttl: TTLFamily | None = "document"
    ) -> Fetched:
        """GET a text document (YAML, CSV)."""
        return await self._get(relative, params, ttl, "text")

    async def _get(
        self, relative: str, params: Params, ttl: TTLFamily | None, kind: str
    ) -> Fetched:
        url = self.url(relative, params)
        query = "&".join(sorted(_parts(params)))
        key = f"{self.name}:{kind}:{self.base_url}{relative}?{query}"
        context = callcontext.current()
        entry = await self._cache.get(key) if ttl is not None else None
        if ttl is not None and entry is not None and entry.age() < self._settings.ttl(ttl):
            if context is not None:
                context.cache_hits += 1
            return Fetched(entry.data, url, entry.stored_at)
        try:
            fetched = await self._coalesced(key, url, kind)
        except _STALE_ON:
            if entry is None:
                raise
            if context is not None:
                since = entry.stored_at
                context.stale_since = min(context.stale_since or since, since)
            return Fetched(entry.data, url, entry.stored_at, stale=True)
        if ttl is not None:
            keep = self._settings.ttl(ttl) + self._settings.cache_stale_seconds
            await self._cache.set(key, fetched.data, keep)
        return fetched

    async def _coalesced(self, key: str, url: str, kind: str) -> Fetched:
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(url, kind))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        # Shielded: one caller giving up must not cancel the answer the others wait for.
        return await asyncio.shield(task)

    def _remaining(self) -> float:
        context = callcontext.current()
        if context is None:
            return self._settings.call_budget_seconds
        return context.remaining()

    async def _fetch(self, url: str, kind: str) -> Fetched:
        if self._remaining() <= 0:
            raise UpstreamTimeout(f"No time left to ask the {self.label}.")
        try:
            async for attempt in retrying(self._settings.max_attempts, self._remaining):
                with attempt:
                    return await self._attempt(url, kind)
        except RetryableStatus as exc:
            raise self._exhausted(exc) from exc
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"The {self.label} did not answer in time.",
                hint="It may be overloaded: retry in a moment, or narrow the request.",
            ) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(
                f"Could not reach the {self.label} ({type(exc).__name__}).",
                hint="Retry in a moment.",
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _exhausted(self, error: RetryableStatus) -> UpstreamError:
        if error.status == 429:
            wait = f" after {error.retry_after:g} s" if error.retry_after is not None else " later"
            return UpstreamRateLimited(
                f"The {self.label} is rate-limiting requests.", hint=f"Retry{wait}."
            )
        return UpstreamUnavailable(
            f"The {self.label} is unavailable (HTTP {error.status}).", hint="Retry in a moment."
        )

    async def _attempt(self, url: str, kind: str) -> Fetched:
        remaining = self._remaining()
        await self._rate.acquire(self.name, remaining)
        async with self._slots:
            context = callcontext.current()
            if context is not None:
                context.upstream_calls += 1
            timeout = max(0.001, min(self._settings.request_timeout_seconds, self._remaining()))
            try:
                async with asyncio.timeout(timeout):
                    status, headers, body = await self._read(url, timeout)
            except TimeoutError as exc:
                raise httpx.ReadTimeout(f"no complete answer within {timeout:.1f} s") from exc
        if status in RETRYABLE_STATUS:
            raise RetryableStatus(
                status, retry_after_seconds(headers.get("retry-after")), upstream_message(body)
            )
        return self._decode(url, status, headers, body, kind)

    async def _read(self, url: str, timeout: float) -> tuple[int, httpx.Headers, bytes]:
        request_timeout = httpx.Timeout(
            timeout, connect=min(self._settings.connect_timeout_seconds, timeout)
        )
        async with self.http.stream("GET", url, timeout=request_timeout) as response:
            chunks, size, cap = [], 0, self._settings.response_max_bytes
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise ResponseTooLarge(f"The {self.label} sent an answer over {cap:,} bytes.")
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)

    def _decode(
        self, url: str, status: int, headers: httpx.Headers, body: bytes, kind: str
    ) -> Fetched:
        if status in (404, 410):
            detail = upstream_message(body)
            raise UpstreamNotFound(detail or "Not found.", status=status, detail=detail)
        if 400 <= status < 500:
            detail = upstream_message(body)
            raise UpstreamBadRequest(
                f"The {self.label} refused the request: {detail or f'HTTP {status}'}",
                status=status,
                detail=detail,
            )
        if status >= 300:
            raise UpstreamUnavailable(
                f"The {self.label} answered HTTP {status}.", hint="Retry later."
            )
        if kind == "text":
            return Fetched(
                body.decode(headers.encoding or "utf-8", errors="replace"), url, time.time()
            )
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise UpstreamUnavailable(
                f"The {self.label} sent a malformed answer.", hint="Retry in a moment."
            ) from exc
        return Fetched(data, url, time.time())
