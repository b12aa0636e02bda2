"""The per-client rate limit (`DATAGOUV_MCP_RATE_LIMIT`): who the client is (its address, or
the one X-Forwarded-For gives when a trusted proxy says so) and how long it must wait.

Two moving windows per client in `limits`, counted where the upstream rate budget is
(`DATAGOUV_MCP_RATE_LIMIT_URL`, else `DATAGOUV_MCP_REDIS_URL`: in process, or Redis shared
by every replica): tool calls at
the operator's rate, answered with a tool error carrying `retry_after`; and HTTP requests of
any kind at `REQUESTS_PER_CALL` times that rate, answered with HTTP 429. While the shared
storage fails, each replica counts in its own memory. Only HTTP requests have a client:
stdio and in-process calls are never limited.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable, Mapping
from typing import Any

import anyio
import structlog
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from datagouv_mcp.errors import ToolError
from datagouv_mcp.redislink import Away, RedisLink, client_options, is_redis, with_timeouts

log = structlog.get_logger("datagouv_mcp.clientlimits")

CLIENT_KEY = "datagouv_mcp.client"
"""The ASGI scope key under which the HTTP layer leaves the client's address."""

REQUESTS_PER_CALL = 4
"""HTTP requests a client may send per tool call allowed (initialize, lists, notifications)."""

STORAGE_TIMEOUT_SECONDS = 0.5
WARN_EVERY_SECONDS = 60.0
NAMESPACE = "datagouv-mcp-client"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _address(text: str) -> Address | None:
    """An address as a peer or an X-Forwarded-For hop writes it: `a.b.c.d`, `a.b.c.d:port`,
    `::1`, `[::1]:port`."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(
    peer: str | None, headers: Iterable[tuple[bytes, bytes]], trusted: tuple[Network, ...]
) -> str | None:
    """Who sent the request: the peer, unless the peer is a trusted proxy; then the last
    address of X-Forwarded-For that is not a trusted proxy (the one the outermost trusted
    proxy saw). An untrusted peer's X-Forwarded-For is ignored: anyone can write one."""
    address = _address(peer) if peer else None
    if address is None:
        return peer
    if not any(address in network for network in trusted):
        return str(address)
    hops = [
        hop
        for name, value in headers
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        forwarded = _address(hop)
        if forwarded is None:
            break  # garbage: the last address known is the best one
        address = forwarded
        if not any(address in network for network in trusted):
            break
    return str(address)


def limit_key(client: str) -> str:
    """The key a client is counted under: its address, or its /64 for IPv6, where one
    subscriber holds a whole /64."""
    address = _address(client)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return client if address is None else str(address)


def client_of(scope: Mapping[str, Any] | None) -> str | None:
    """The client the HTTP layer found for this request's scope, if any."""
    found = scope.get(CLIENT_KEY) if scope is not None else None
    return found if isinstance(found, str) else None


def rate_limited(rate: RateLimitItem, retry_after: int) -> ToolError:
    return ToolError(
        f"Too many tool calls from your address: this server allows {rate}.",
        hint=f"Wait {retry_after} s, then call again.",
        code="rate_limited",
        retryable=True,
    )


class ClientLimits:
    """Tool calls and HTTP requests per client, in moving windows."""

    def __init__(self, rate: str, storage_url: str, link: RedisLink | None = None) -> None:
        self.calls = parse(rate)
        self.requests = type(self.calls)(
            self.calls.amount * REQUESTS_PER_CALL, self.calls.multiples, self.calls.namespace
        )
        self._local = MovingWindowRateLimiter(storage_from_string("async+memory://"))
        self._shared: MovingWindowRateLimiter | None = None
        self._link: RedisLink | None = None
        self._warned_at = -math.inf
        if is_redis(storage_url):
            self._shared = MovingWindowRateLimiter(
                storage_from_string(
                    with_timeouts(storage_url), implementation="redispy", **client_options()
                )
            )
            self._link = link or RedisLink(storage_url, timeout=STORAGE_TIMEOUT_SECONDS)
            self._link.used_for("client_limits")
        elif storage_url != "async+memory://":
            self._shared = MovingWindowRateLimiter(storage_from_string(storage_url))

    @classmethod
    def configured(
        cls, rate: str | None, storage_url: str, link: RedisLink | None = None
    ) -> ClientLimits | None:
        return cls(rate, storage_url, link) if rate else None

    async def call_wait(self, client: str) -> int | None:
        """None when this tool call may go ahead, else the seconds to wait."""
        return await self._wait(self.calls, "calls", client)

    async def request_wait(self, client: str) -> int | None:
        """None when this HTTP request may go ahead, else the seconds to wait."""
        return await self._wait(self.requests, "requests", client)

    async def _wait(self, item: RateLimitItem, kind: str, client: str) -> int | None:
        key = (NAMESPACE, kind, limit_key(client))
        shared = self._shared
        if shared is not None and self._link is not None:
            # Redis: skipped at once while it is away (one warning per outage, the link's).
            waited = await self._link.attempt(lambda: self._hit(shared, item, key))
            if not isinstance(waited, Away):
                return waited
        elif shared is not None:
            try:
                with anyio.fail_after(STORAGE_TIMEOUT_SECONDS):
                    return await self._hit(shared, item, key)
            except Exception as exc:  # the shared storage is away: count here meanwhile
                self._warn(exc)
        return await self._hit(self._local, item, key)

    @staticmethod
    async def _hit(
        limiter: MovingWindowRateLimiter, item: RateLimitItem, key: tuple[str, ...]
    ) -> int | None:
        if await limiter.hit(item, *key):
            return None
        stats = await limiter.get_window_stats(item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning("client_limit.storage_unavailable", error=type(error).__name__)
