"""Matomo, opt-in: one event per tool call, queued and sent in batches in the background.

A tool call only appends a short string to a bounded queue (`MatomoSink.track`: no I/O, no
wait, never raises); a background task started with the server sends the queue to Matomo's
bulk tracking API (`POST <url>/matomo.php`, JSON `{"requests": [...], "token_auth": ...}`)
every `flush_seconds`, or as soon as a batch is full. A full queue drops the new event; a
batch Matomo refuses, or that fails three times, is dropped: both counted in
`datagouv_mcp_matomo_events_total` and logged (at most once a minute). The official server
sent one request per call and exhausted its connection pool: this one holds two connections.

Each event: category `MCP`, action the tool's name, name its outcome (ok, error, crash), value
its duration in milliseconds, the time of the call. Never its arguments; the client's address
only when the operator asks (`DATAGOUV_MCP_MATOMO_SEND_CLIENT_ADDRESS`, which needs the token).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

import httpx
import structlog
from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from datagouv_mcp import meters
from datagouv_mcp.settings import SECRET, frozen_config
from datagouv_mcp.specs import Event

log = structlog.get_logger("datagouv_mcp.matomo")

CATEGORY = "MCP"
ATTEMPTS = 3
WARN_EVERY_SECONDS = 60.0
# At shutdown, what is queued gets this long to go out, at most.
FINAL_FLUSH_SECONDS = 5.0


def _named(name: str, *official: str) -> Any:
    """Read from DATAGOUV_MCP_MATOMO_<NAME>, then from the official server's name, if any."""
    return AliasChoices(f"DATAGOUV_MCP_MATOMO_{name}", *official)


class MatomoSettings(BaseSettings):
    """Matomo tracking: on when both the URL and the site id are set. The official server's
    MATOMO_URL, MATOMO_SITE_ID and MATOMO_AUTH_TOKEN are read too; ours win."""

    model_config = frozen_config()

    url: str | None = Field(None, validation_alias=_named("URL", "MATOMO_URL"))
    site_id: int | None = Field(None, ge=1, validation_alias=_named("SITE_ID", "MATOMO_SITE_ID"))
    auth_token: str | None = Field(
        None, validation_alias=_named("AUTH_TOKEN", "MATOMO_AUTH_TOKEN"), json_schema_extra=SECRET
    )
    send_client_address: bool = Field(False, validation_alias=_named("SEND_CLIENT_ADDRESS"))
    action_url: str = Field("https://localhost/mcp", validation_alias=_named("ACTION_URL"))
    batch_size: int = Field(100, ge=1, le=1000, validation_alias=_named("BATCH_SIZE"))
    flush_seconds: float = Field(5.0, gt=0, le=300, validation_alias=_named("FLUSH_SECONDS"))
    queue_size: int = Field(10_000, ge=1, le=1_000_000, validation_alias=_named("QUEUE_SIZE"))
    timeout_seconds: float = Field(10.0, gt=0, le=60, validation_alias=_named("TIMEOUT_SECONDS"))

    @field_validator("url", "auth_token", mode="after")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("url", "action_url", mode="after")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("expected an http(s) URL such as https://stats.example.org/")
        return value

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if (self.url is None) != (self.site_id is None):
            raise ValueError(
                "Matomo needs both DATAGOUV_MCP_MATOMO_URL and DATAGOUV_MCP_MATOMO_SITE_ID "
                "(or neither, to leave it off)"
            )
        if self.send_client_address and self.auth_token is None:
            raise ValueError(
                "DATAGOUV_MCP_MATOMO_SEND_CLIENT_ADDRESS needs DATAGOUV_MCP_MATOMO_AUTH_TOKEN "
                "(Matomo takes a client address only with a token)"
            )
        return self

    @property
    def enabled(self) -> bool:
        return self.url is not None and self.site_id is not None

    @property
    def endpoint(self) -> str:
        """The tracking endpoint: the URL as given if it names a .php, else <url>/matomo.php."""
        url = self.url or ""
        if urlsplit(url).path.endswith(".php"):
            return url
        return url.rstrip("/") + "/matomo.php"


class MatomoSink:
    """The queue of tracking requests, and the task that sends it (inside `running()`)."""

    def __init__(self, settings: MatomoSettings, user_agent: str) -> None:
        self.settings = settings
        self.user_agent = user_agent
        self._queue: deque[str] = deque()
        self._wake = asyncio.Event()
        self._warned: dict[str, float] = {}
        # What every request says, encoded once.
        self._common = "?" + urlencode(
            {
                "idsite": settings.site_id,
                "rec": 1,
                "apiv": 1,
                "send_image": 0,
                "ca": 1,
                "url": settings.action_url,
                "e_c": CATEGORY,
            }
        )

    def track(self, event: Event) -> None:
        """Queue one tool-call event (other events are not for Matomo). Never waits."""
        if event.name != "tool.called" or event.tool is None:
            return
        if len(self._queue) >= self.settings.queue_size:
            meters.MATOMO_EVENTS.labels("dropped").inc()
            self._warn("matomo.queue_full", queue_size=self.settings.queue_size)
            return
        self._queue.append(self.request(event))
        meters.MATOMO_QUEUE.inc()
        if len(self._queue) >= self.settings.batch_size:
            self._wake.set()

    def request(self, event: Event) -> str:
        """One event as a tracking request, the query string Matomo's bulk API takes."""
        params: dict[str, Any] = {
            "e_a": event.tool,
            "e_n": event.outcome or "ok",
            "e_v": round(event.duration_ms or 0.0, 1),
            "cdt": int(time.time()),
        }
        if self.settings.send_client_address and event.client:
            params["cip"] = event.client
        return f"{self._common}&{urlencode(params)}"

    @asynccontextmanager
    async def running(self) -> AsyncIterator[MatomoSink]:
        """The sending task, for the server's lifetime; at its end, what is queued gets a
        last chance (one try, within FINAL_FLUSH_SECONDS and the timeout), then what is left
        is counted as failed."""
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        timeout = httpx.Timeout(self.settings.timeout_seconds)
        headers = {"User-Agent": self.user_agent}
        async with httpx.AsyncClient(limits=limits, timeout=timeout, headers=headers) as http:
            task = asyncio.create_task(self._send_forever(http), name="matomo-sender")
            try:
                yield self
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                last_chance = min(FINAL_FLUSH_SECONDS, self.settings.timeout_seconds)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(last_chance):
                        await self._send_queued(http, attempts=1)
                left = len(self._queue)
                self._queue.clear()
                meters.MATOMO_QUEUE.dec(left)
                self._lost(left)

    async def _send_forever(self, http: httpx.AsyncClient) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.flush_seconds)
            self._wake.clear()
            await self._send_queued(http, attempts=ATTEMPTS)

    async def _send_queued(self, http: httpx.AsyncClient, attempts: int) -> None:
        """Send the queue, batch by batch; stop at a batch that could not be sent."""
        while self._queue:
            size = min(self.settings.batch_size, len(self._queue))
            batch = [self._queue.popleft() for _ in range(size)]
            meters.MATOMO_QUEUE.dec(size)
            if not await self._deliver(http, batch, attempts):
                return

    async def _deliver(self, http: httpx.AsyncClient, batch: list[str], attempts: int) -> bool:
        """Send one batch, trying again (1 s, then 2 s later) on a 5xx or no answer. False
        when it failed every time: it is dropped, and the next batch waits for the next
        round. A 4xx (a bad token, say) drops the batch at once."""
        body: dict[str, Any] = {"requests": batch}
        if self.settings.auth_token:
            body["token_auth"] = self.settings.auth_token
        payload = json.dumps(body).encode()
        problem = ""
        try:
            for attempt in range(attempts):
                if attempt:
                    await asyncio.sleep(2 ** (attempt - 1))
                try:
                    response = await http.post(
                        self.settings.endpoint,
                        content=payload,
                        headers={"Content-Type": "application/json"},
                    )
                except httpx.HTTPError as exc:
                    problem = f"no answer ({type(exc).__name__})"
                    continue
                if response.is_success:
                    meters.MATOMO_EVENTS.labels("sent").inc(len(batch))
                    return True
                problem = f"HTTP {response.status_code}"
                if response.status_code < 500:
                    self._fail(batch, problem)
                    return True
        except asyncio.CancelledError:
            self._lost(len(batch))
            raise
        self._fail(batch, problem)
        return False

    def _fail(self, batch: list[str], problem: str) -> None:
        meters.MATOMO_EVENTS.labels("failed").inc(len(batch))
        self._warn("matomo.unavailable", problem=problem, url=self.settings.endpoint)

    def _lost(self, count: int) -> None:
        """`count` events that will not be sent: the server stops first."""
        if count:
            meters.MATOMO_EVENTS.labels("failed").inc(count)

    def _warn(self, name: str, **fields: Any) -> None:
        now = time.monotonic()
        if now - self._warned.get(name, -WARN_EVERY_SECONDS) >= WARN_EVERY_SECONDS:
            self._warned[name] = now
            log.warning(name, **fields)
