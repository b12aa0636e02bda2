"""The request-rate budget of each upstream: a moving window in `limits`, in memory by default,
shared through Redis when several replicas point at one (the budget then holds for all of them
together). While that Redis is away, each process counts in its own memory meanwhile; so do
processes without Redis. Counting alone, each keeps its share of the budget (`share`: the
`--workers` of its machine times the replicas the operator says there are)."""

from __future__ import annotations

import asyncio
import math
import time

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from datagouv_mcp import meters
from datagouv_mcp.redislink import Away, RedisLink, client_options, is_redis, with_timeouts
from datagouv_mcp.upstream.errors import UpstreamRateLimited

NAMESPACE = "datagouv-mcp"


def rate_item(per_second: float) -> RateLimitItem:
    """limits counts whole requests per window: fractional rates are expressed over 10 s,
    rounded down (shares must not add up to more than the whole: 8 / 3 is 26 per 10 s)."""
    if per_second >= 1 and float(per_second).is_integer():
        return RateLimitItemPerSecond(int(per_second), 1)
    return RateLimitItemPerSecond(max(1, math.floor(per_second * 10 + 1e-9)), 10)


def limiter(storage_url: str) -> MovingWindowRateLimiter:
    """A moving-window limiter over an async limits storage; Redis through redis-py (the
    client the cache uses too), with short socket timeouts."""
    if is_redis(storage_url):
        storage = storage_from_string(
            with_timeouts(storage_url), implementation="redispy", **client_options()
        )
    else:
        storage = storage_from_string(storage_url)
    return MovingWindowRateLimiter(storage)


class RateBudget:
    def __init__(
        self,
        storage_url: str,
        per_second: float,
        link: RedisLink | None = None,
        share: int = 1,
    ) -> None:
        self._shared: MovingWindowRateLimiter | None = None
        self._link = link
        if is_redis(storage_url):
            self._shared = limiter(storage_url)
            self._link = (link or RedisLink(storage_url)).used_for("rate_budget")
        self._item = rate_item(per_second)
        # Counted here: this process's share, when Redis is not there to count for all.
        self._local = limiter("async+memory://")
        self._local_item = rate_item(per_second / max(1, share))

    async def acquire(self, upstream: str, remaining: float) -> None:
        """Wait for a slot in this upstream's window, without overrunning the call's budget."""
        started = time.monotonic()
        deadline = started + remaining
        waited = False
        try:
            while True:
                wait = await self._wait(upstream)
                if wait is None:
                    return
                if not waited:
                    waited = True
                    meters.RATE_BUDGET_WAITS.labels(upstream).inc()
                if time.monotonic() + wait > deadline:
                    meters.RATE_BUDGET_REFUSALS.labels(upstream).inc()
                    raise UpstreamRateLimited(
                        f"Too many requests to the {upstream} API at once.",
                        hint="Retry in a few seconds, or narrow the request.",
                    )
                await asyncio.sleep(min(wait, 0.25))
        finally:
            if waited:
                seconds = time.monotonic() - started
                meters.RATE_BUDGET_WAIT_SECONDS.labels(upstream).inc(seconds)

    async def _wait(self, upstream: str) -> float | None:
        """None when a request may go now (and it is counted), else the seconds to wait."""
        shared, link = self._shared, self._link
        if shared is not None and link is not None:
            waited = await link.attempt(lambda: _hit(shared, self._item, upstream))
            if not isinstance(waited, Away):
                return waited
        return await _hit(self._local, self._local_item, upstream)


async def _hit(
    limiter: MovingWindowRateLimiter, item: RateLimitItem, upstream: str
) -> float | None:
    if await limiter.hit(item, NAMESPACE, upstream):
        return None
    stats = await limiter.get_window_stats(item, NAMESPACE, upstream)
    return max(0.005, stats.reset_time - time.time())
