"""When to retry an upstream request and how long to wait: tenacity, with Retry-After."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
# Connection failures, resets and truncated answers; a read timeout is not retried: the budget
# it would take is better spent telling the model the upstream is slow.
RETRYABLE_TRANSPORT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


class RetryableStatus(Exception):
    """An answer worth retrying (429, 502, 503, 504)."""

    def __init__(self, status: int, retry_after: float | None, detail: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after
        self.detail = detail


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def is_retryable(error: BaseException) -> bool:
    return isinstance(error, (RetryableStatus, *RETRYABLE_TRANSPORT))


_backoff = wait_exponential_jitter(multiplier=0.2, max=4.0, jitter=0.2)


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, RetryableStatus) and error.retry_after is not None:
        return error.retry_after
    return _backoff(state)


def retrying(
    max_attempts: int,
    remaining: Callable[[], float],
    retried: Callable[[BaseException | None], None] | None = None,
) -> AsyncRetrying:
    """Stop after max_attempts, or as soon as the next wait would overrun the call's budget;
    `retried` is told of each failure about to be tried again."""

    def before_sleep(state: RetryCallState) -> None:
        if retried is not None:
            retried(state.outcome.exception() if state.outcome else None)

    class out_of_budget(stop_base):
        def __call__(self, state: RetryCallState) -> bool:
            return (state.upcoming_sleep or 0.0) >= remaining()

    return AsyncRetrying(
        retry=retry_if_exception(is_retryable),
        wait=_wait,
        stop=stop_after_attempt(max_attempts) | out_of_budget(),
        before_sleep=before_sleep,
        reraise=True,
    )
