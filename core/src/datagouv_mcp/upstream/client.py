"""One upstream API: pooled connections, rate and concurrency limits, retries, coalescing of
identical GETs in flight, and a cache that can answer stale when the upstream fails.

A body is read into one buffer, the byte cap applied while it streams in; the cache keeps a
copy of it only when it fits the per-entry cap, and during a tool call only once the call's
parsers have read it (`ResponseCache.keep`)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import quote, quote_plus, urlencode

import httpx

from datagouv_mcp import callcontext, meters
from datagouv_mcp.upstream.cache import Entry, ResponseCache
from datagouv_mcp.upstream.errors import (
    ResponseTooLarge,
    UpstreamBadRequest,
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
    transport_failure,
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


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class _Fill:
    """A cold entry filled: the answer and its body, or the answer alone (body None) when
    another replica fetched it; `release` frees the fill lock."""

    fetched: Fetched
    body: bytearray | None
    release: Callable[[], Awaitable[None]] = _nothing


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
        self._in_flight: dict[str, asyncio.Task[_Fill]] = {}

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
        kept = None
        fresh = self._settings.ttl(ttl) if ttl is not None else 0.0
        if ttl is not None:
            # Fetched earlier in this call, not yet committed to the cache.
            if context is not None and isinstance(held := context.holding(key), Fetched):
                context.cache_hits += 1
                meters.CACHE_LOOKUPS.labels(self.name, "hit").inc()
                return held
            kept = await self._cache.get(key, fresh)
            if kept is not None and kept.age() < fresh:
                revived = _revived(kept, url, kind)
                if revived is not None:
                    if context is not None:
                        context.cache_hits += 1
                    meters.CACHE_LOOKUPS.labels(self.name, "hit").inc()
                    return revived
            meters.CACHE_LOOKUPS.labels(self.name, "miss").inc()
        try:
            fill = await self._coalesced(key, url, kind, fresh)
        except _STALE_ON:
            stale = _revived(kept, url, kind) if kept is not None else None
            if stale is None:
                raise
            if context is not None:
                since = stale.fetched_at
                context.stale_since = min(context.stale_since or since, since)
            meters.STALE_ANSWERS.labels(self.name).inc()
            return replace(stale, stale=True)
        if fill.body is None:  # filled by another replica
            if context is not None:
                context.cache_hits += 1
            return fill.fetched
        fetched, body = fill.fetched, fill.body
        if ttl is not None and self._cache.fits(len(body)):
            keep = fresh + self._settings.cache_stale_seconds
            # A text is kept as UTF-8, whatever it came in; JSON as it came.
            kept_body = fetched.data.encode() if kind == "text" else bytes(body)
            entry = Entry(fetched.fetched_at, kept_body)
            await self._cache.keep(key, entry, keep, fetched, then=fill.release)
        else:
            await fill.release()
        return fetched

    async def _coalesced(self, key: str, url: str, kind: str, fresh: float) -> _Fill:
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._fill(key, url, kind, fresh))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        else:
            meters.COALESCED_WAITS.labels(self.name).inc()
        # Shielded: one caller giving up must not cancel the answer the others wait for.
        return await asyncio.shield(task)

    async def _fill(self, key: str, url: str, kind: str, fresh: float) -> _Fill:
        """Fetch a cold entry, unless another replica does: then wait for it, bounded."""
        waits = fresh > 0 and self._settings.coalesce_wait_seconds > 0
        shared = self._cache.shared if waits else None
        if shared is None:
            fetched, body = await self._fetch(url, kind)
            return _Fill(fetched, body)
        token = uuid.uuid4().hex
        wait = min(self._settings.coalesce_wait_seconds, max(0.001, self._remaining()))
        entry, claimed = await shared.claim_or_await(key, token, fresh, wait)
        revived = _revived(entry, url, kind) if entry is not None else None
        if revived is not None:
            return _Fill(revived, None)

        async def release() -> None:
            if claimed:
                await shared.release(key, token)

        try:
            fetched, body = await self._fetch(url, kind)
        except BaseException:
            await release()
            raise
        return _Fill(fetched, body, release)

    def _remaining(self) -> float:
        context = callcontext.current()
        if context is None:
            return self._settings.call_budget_seconds
        return context.remaining()

    async def _fetch(self, url: str, kind: str) -> tuple[Fetched, bytearray]:
        if self._remaining() <= 0:
            raise UpstreamTimeout(f"No time left to ask the {self.label}.")
        try:
            attempts = retrying(self._settings.max_attempts, self._remaining, self._retried)
            async for attempt in attempts:
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
                f"Could not reach the {self.label}: {transport_failure(exc)}.",
                hint="Retry in a moment.",
            ) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _retried(self, error: BaseException | None) -> None:
        reason = str(error.status) if isinstance(error, RetryableStatus) else "connection_error"
        meters.UPSTREAM_RETRIES.labels(self.name, reason).inc()

    def _exhausted(self, error: RetryableStatus) -> UpstreamError:
        if error.status == 429:
            wait = f" after {error.retry_after:g} s" if error.retry_after is not None else " later"
            return UpstreamRateLimited(
                f"The {self.label} is rate-limiting requests.", hint=f"Retry{wait}."
            )
        return UpstreamUnavailable(
            f"The {self.label} is unavailable (HTTP {error.status}).", hint="Retry in a moment."
        )

    async def _attempt(self, url: str, kind: str) -> tuple[Fetched, bytearray]:
        remaining = self._remaining()
        await self._rate.acquire(self.name, remaining)
        async with self._slots:
            context = callcontext.current()
            if context is not None:
                context.upstream_calls += 1
            timeout = max(0.001, min(self._settings.request_timeout_seconds, self._remaining()))
            started = time.perf_counter()
            outcome = "connection_error"
            try:
                async with asyncio.timeout(timeout):
                    status, headers, body = await self._read(url, timeout)
                outcome = str(status)
            except (TimeoutError, httpx.TimeoutException) as exc:
                outcome = "timeout"
                if isinstance(exc, TimeoutError):
                    raise httpx.ReadTimeout(f"no complete answer within {timeout:.1f} s") from exc
                raise
            except ResponseTooLarge:
                outcome = "too_large"
                raise
            except asyncio.CancelledError:
                outcome = "cancelled"
                raise
            finally:
                meters.UPSTREAM_REQUESTS.labels(self.name, outcome).inc()
                meters.UPSTREAM_SECONDS.labels(self.name).observe(time.perf_counter() - started)
        try:
            if status in RETRYABLE_STATUS:
                raise RetryableStatus(
                    status, retry_after_seconds(headers.get("retry-after")), upstream_message(body)
                )
            return self._decode(url, status, headers, body, kind), body
        except BaseException:
            body.clear()  # freed now, not when the traceback holding this frame is collected
            raise

    async def _read(self, url: str, timeout: float) -> tuple[int, httpx.Headers, bytearray]:
        """Status, headers and body, read into one buffer that never grows past the cap."""
        request_timeout = httpx.Timeout(
            timeout, connect=min(self._settings.connect_timeout_seconds, timeout)
        )
        cap = self._settings.response_max_bytes
        too_large = ResponseTooLarge(f"The {self.label} sent an answer over {cap:,} bytes.")
        body = bytearray()
        try:
            async with self.http.stream("GET", url, timeout=request_timeout) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise too_large
                async for chunk in response.aiter_bytes():
                    if len(body) + len(chunk) > cap:
                        raise too_large
                    body += chunk
                return response.status_code, response.headers, body
        except BaseException:
            # An exception's traceback keeps this frame, and so the buffer, alive until the
            # garbage collector breaks the cycle (tenacity and the in-flight task keep them):
            # empty it now, so a failed read holds nothing.
            body.clear()
            raise

    def _decode(
        self, url: str, status: int, headers: httpx.Headers, body: bytearray, kind: str
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
        try:
            data = _decoded(body, kind, headers.encoding or "utf-8")
        except ValueError as exc:
            raise UpstreamUnavailable(
                f"The {self.label} sent a malformed answer.", hint="Retry in a moment."
            ) from exc
        return Fetched(data, url, time.time())


def _decoded(body: bytes | bytearray, kind: str, encoding: str = "utf-8") -> Any:
    """A body as the caller reads it: a text, or JSON parsed from the bytes."""
    if kind == "text":
        return body.decode(encoding, errors="replace")
    return json.loads(body)


def _revived(entry: Entry, url: str, kind: str) -> Fetched | None:
    """A kept entry decoded again (None if it cannot be: then it is a miss)."""
    try:
        data = _decoded(entry.body, kind)
    except ValueError:
        return None
    return Fetched(data, url, entry.stored_at)
