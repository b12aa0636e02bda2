"""The Redis that replicas share (`DATAGOUV_MCP_REDIS_URL`), and what to do while it is away.

Every use of it (the response cache, the fill locks, the rate budget, the per-client limit) goes
through `RedisLink.attempt`: within `TIMEOUT_SECONDS`, or it is counted as lost. Once lost, the
link is skipped at once (the caller uses its local state: its own cache, its own budget) and
tried again at most once every `RETRY_SECONDS`, by whichever call comes along (or by the
readiness probe), until Redis answers again. One warning per outage, one line when it is back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import structlog

from datagouv_mcp import meters

log = structlog.get_logger("datagouv_mcp.redis")

T = TypeVar("T")

TIMEOUT_SECONDS = 0.5
RETRY_SECONDS = 1.0


class Away:
    def __repr__(self) -> str:
        return "AWAY"


AWAY: Final = Away()
"""What `attempt` returns when Redis did not answer: use the local state instead."""


def redis_address(url: str) -> str:
    """`host:port/db` of a Redis URL, without its scheme or password, for logs and reports."""
    parts = urlsplit(url.removeprefix("async+"))
    path = parts.path.strip("/")
    address = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    return f"{address}/{path}" if path else address


def with_timeouts(url: str, seconds: float = TIMEOUT_SECONDS) -> str:
    """The URL with connect and read timeouts for its client, unless it sets its own."""
    parts = urlsplit(url)
    query = parts.query
    for name in ("socket_connect_timeout", "socket_timeout"):
        if name not in query:
            query = f"{query}&{name}={seconds:g}" if query else f"{name}={seconds:g}"
    return parts._replace(query=query).geturl()


def client_options() -> dict[str, Any]:
    """Options of every Redis client made here: a failed command is retried once at once, on
    a new connection (a connection left over from before a Redis restart fails once, then
    the next one works), never after a back-off that would outlast `TIMEOUT_SECONDS`."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return {"retry": Retry(NoBackoff(), 1)}


def _refused(error: BaseException) -> bool:
    """An error answer from Redis (`OOM command not allowed...`), not an outage."""
    from redis.exceptions import ResponseError

    return isinstance(error, ResponseError)


def is_redis(url: str) -> bool:
    return urlsplit(url.removeprefix("async+")).scheme in ("redis", "rediss", "unix")


class RedisLink:
    """Whether the shared Redis answers, as its users last found it."""

    def __init__(
        self,
        url: str,
        timeout: float = TIMEOUT_SECONDS,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.url = url.removeprefix("async+")
        self.address = redis_address(url)
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self.down_since: float | None = None
        self.outages = 0
        self._retry_at = 0.0
        self.components: set[str] = set()

    def used_for(self, component: str) -> RedisLink:
        """Count `component` (cache, coalescing, rate_budget, client_limits) among this
        link's users: the `datagouv_mcp_redis_degraded` gauge says, for each, whether it works
        on local state."""
        self.components.add(component)
        meters.redis_degraded(component, not self.up)
        return self

    @property
    def up(self) -> bool:
        return self.down_since is None

    def usable(self) -> bool:
        """Whether to try Redis now: while it is up, or once a retry is due (one call per
        `retry_seconds` tries it; the others go local at once)."""
        if self.down_since is None:
            return True
        now = time.monotonic()
        if now < self._retry_at:
            return False
        self._retry_at = now + self.retry_seconds
        return True

    async def attempt(self, operation: Callable[[], Awaitable[T]]) -> T | Away:
        """The result of a Redis operation, or AWAY when Redis is down or does not answer in
        time (never an exception: the caller falls back to its local state)."""
        if not self.usable():
            return AWAY
        try:
            async with asyncio.timeout(self.timeout):
                result = await operation()
        except Exception as exc:
            if _refused(exc):  # Redis answered, with an error (out of memory...): it is there
                log.warning("redis.refused", redis=self.address, error=str(exc)[:200])
                return AWAY
            self.lost(exc)
            return AWAY
        self.reached()
        return result

    def lost(self, error: BaseException) -> None:
        """Redis failed: skip it until the next retry; warn once per outage."""
        self._retry_at = time.monotonic() + self.retry_seconds
        if self.down_since is None:
            self.down_since = time.time()
            self.outages += 1
            for component in self.components:
                meters.redis_degraded(component, True)
            log.warning(
                "redis.unavailable",
                redis=self.address,
                error=type(error).__name__,
                fallback="each replica answers from its own cache and rate budget",
            )

    def reached(self) -> None:
        if self.down_since is not None:
            away = round(time.time() - self.down_since, 1)
            self.down_since = None
            for component in self.components:
                meters.redis_degraded(component, False)
            log.warning("redis.reconnected", redis=self.address, away_seconds=away)

    def report(self) -> str | None:
        """None while Redis answers, else what the readiness report says about it."""
        if self.down_since is None:
            return None
        away = time.time() - self.down_since
        return (
            f"Redis at {self.address} is unreachable (for {away:.0f} s): this replica answers "
            "from its own cache and rate budget, and reconnects when Redis returns."
        )

    async def probe(self) -> str | None:
        """A readiness probe: PING Redis now (so a return is noticed without traffic)."""
        from redis.asyncio import Redis

        client = Redis.from_url(with_timeouts(self.url, self.timeout), **client_options())
        try:
            self._retry_at = 0.0  # the probe always tries
            await self.attempt(client.ping)
        finally:
            await client.aclose()
        return self.report()
