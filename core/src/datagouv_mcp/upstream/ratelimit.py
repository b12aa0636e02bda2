"""The request-rate budget of each upstream: a moving window in `limits`, in memory by default,
shared through Redis when several replicas point at one."""

from __future__ import annotations

import asyncio
import time

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from datagouv_mcp import meters
from datagouv_mcp.upstream.errors import UpstreamRateLimited


class RateBudget:
    def __init__(self, storage_url: str, per_second: float) -> None:
        storage = storage_from_string(storage_url)
        self._limiter = MovingWindowRateLimiter(storage)
        # limits counts whole requests per window: express fractional rates over 10 s.
        if per_second >= 1 and float(per_second).is_integer():
            self._item = RateLimitItemPerSecond(int(per_second), 1)
        else:
            self._item = RateLimitItemPerSecond(max(1, round(per_second * 10)), 10)

    async def acquire(self, upstream: str, remaining: float) -> None:
        """Wait for a slot in this upstream's window, without overrunning the call's budget."""
        started = time.monotonic()
        deadline = started + remaining
        waited = False
        try:
            while not await self._limiter.hit(self._item, "datagouv-mcp", upstream):
                if not waited:
                    waited = True
                    meters.RATE_BUDGET_WAITS.labels(upstream).inc()
                stats = await self._limiter.get_window_stats(self._item, "datagouv-mcp", upstream)
                delay = max(0.005, stats.reset_time - time.time())
                if time.monotonic() + delay > deadline:
                    meters.RATE_BUDGET_REFUSALS.labels(upstream).inc()
                    raise UpstreamRateLimited(
                        f"Too many requests to the {upstream} API at once.",
                        hint="Retry in a few seconds, or narrow the request.",
                    )
                await asyncio.sleep(min(delay, 0.25))
        finally:
            if waited:
                seconds = time.monotonic() - started
                meters.RATE_BUDGET_WAIT_SECONDS.labels(upstream).inc(seconds)
