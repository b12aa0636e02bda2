"""Fetching URLs read from the catalogue (OpenAPI documents, resource files): untrusted.

http(s) only; every address checked after resolution, at every redirect, at connection time;
a byte cap and a time cap; streamed, never read whole before the caps apply.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpcore
import httpx

from datagouv_mcp import meters
from datagouv_mcp.upstream.addresses import GuardedBackend, Resolver, system_resolver, vet_host
from datagouv_mcp.upstream.errors import (
    BlockedURL,
    ResponseTooLarge,
    UpstreamBadRequest,
    UpstreamNotFound,
    UpstreamTimeout,
    UpstreamUnavailable,
    transport_failure,
)
from datagouv_mcp.upstream.settings import UpstreamSettings


def _guarded_transport(backend: GuardedBackend) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx has no public way to choose the network backend: replace the pool it built with one
    # that connects through the guard. Tests fail if this stops being the pool httpx uses.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=20,
        max_keepalive_connections=10,
        keepalive_expiry=5.0,
        network_backend=backend,
    )
    return transport


@dataclass
class GuardedResponse:
    """A response whose body can only be read within the byte cap."""

    response: httpx.Response
    max_bytes: int

    @property
    def url(self) -> str:
        return str(self.response.url)

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def declared_length(self) -> int | None:
        """The Content-Length the server announced, if any."""
        value = self.response.headers.get("content-length", "")
        return int(value) if value.isdigit() else None

    @property
    def content_type(self) -> str:
        value: str = self.response.headers.get("content-type", "")
        return value.split(";")[0].strip().lower()

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        size = 0
        async for chunk in self.response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise ResponseTooLarge(
                    f"The file at {self.url} is larger than {self.max_bytes:,} bytes.",
                    hint="Use a smaller file, or a tabular query on it where available.",
                )
            yield chunk

    async def read(self) -> bytes:
        """The whole body, within the cap: one buffer, emptied at once if the read fails (a
        traceback would keep it alive until the garbage collector ran)."""
        body = bytearray()
        try:
            async for chunk in self.iter_bytes():
                body += chunk
        except BaseException:
            body.clear()
            raise
        return bytes(body)


class GuardedFetcher:
    def __init__(
        self, settings: UpstreamSettings, user_agent: str, resolver: Resolver | None = None
    ) -> None:
        self._settings = settings
        self._resolver = resolver or system_resolver
        backend = GuardedBackend(self._resolver, settings.fetch_allowed_hosts)
        self.http = httpx.AsyncClient(
            transport=_guarded_transport(backend),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(
                settings.request_timeout_seconds, connect=settings.connect_timeout_seconds
            ),
        )

    async def check_url(self, url: str) -> httpx.URL:
        """The parsed URL, or BlockedURL before any connection is made."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise BlockedURL(f"Refused to fetch {url!r}: it is not a valid URL.") from exc
        if parsed.scheme not in ("http", "https"):
            raise BlockedURL(f"Refused to fetch {url!r}: only http and https URLs can be fetched.")
        if not parsed.host:
            raise BlockedURL(f"Refused to fetch {url!r}: the URL has no host.")
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await vet_host(parsed.host, port, self._resolver, self._settings.fetch_allowed_hosts)
        return parsed

    @asynccontextmanager
    async def stream(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        timeout: float | None = None,
        refuse_declared: bool = True,
    ) -> AsyncIterator[GuardedResponse]:
        """Open url, following redirects through the guard; the body is read by the caller,
        within the caps. A declared Content-Length over the cap is refused before reading,
        unless `refuse_declared` is false (a caller that reads only the start of a file)."""
        cap = max_bytes or self._settings.fetch_max_bytes
        budget = timeout or self._settings.fetch_timeout_seconds
        try:
            async with asyncio.timeout(budget):
                response = await self._open(url)
                try:
                    self._check_status(url, response, cap if refuse_declared else None)
                    yield GuardedResponse(response, cap)
                finally:
                    await response.aclose()
        except TimeoutError as exc:
            meters.UPSTREAM_REQUESTS.labels("fetch", "timeout").inc()
            raise UpstreamTimeout(
                f"Fetching {url} took longer than {budget:g} s.",
                hint="The server is slow or the file is big; try a smaller file.",
            ) from exc
        except httpx.TimeoutException as exc:
            meters.UPSTREAM_REQUESTS.labels("fetch", "timeout").inc()
            raise UpstreamTimeout(f"The server of {url} did not answer in time.") from exc
        except httpx.TransportError as exc:
            meters.UPSTREAM_REQUESTS.labels("fetch", "connection_error").inc()
            raise UpstreamUnavailable(
                f"Could not fetch {url} ({transport_failure(exc)}).",
                hint="Check that the URL works.",
            ) from exc

    async def fetch_bytes(
        self, url: str, *, max_bytes: int | None = None
    ) -> tuple[str, str, bytes]:
        """(final URL, content type, body) of a small document, within the caps."""
        async with self.stream(url, max_bytes=max_bytes) as response:
            return response.url, response.content_type, await response.read()

    async def _open(self, url: str) -> httpx.Response:
        current = url
        for _ in range(self._settings.fetch_max_redirects + 1):
            parsed = await self.check_url(current)
            response = await self.http.send(self.http.build_request("GET", parsed), stream=True)
            meters.UPSTREAM_REQUESTS.labels("fetch", str(response.status_code)).inc()
            if not response.is_redirect:
                return response
            location = response.headers.get("location", "")
            await response.aclose()
            current = str(response.url.join(location))
        raise BlockedURL(
            f"Refused to fetch {url}: more than {self._settings.fetch_max_redirects} redirects."
        )

    @staticmethod
    def _check_status(url: str, response: httpx.Response, cap: int | None) -> None:
        status = response.status_code
        if status in (404, 410):
            raise UpstreamNotFound(f"{url} answered HTTP {status}: the file is gone.")
        if 400 <= status < 500:
            raise UpstreamBadRequest(f"{url} refused the request (HTTP {status}).")
        if status >= 500:
            raise UpstreamUnavailable(f"{url} failed (HTTP {status}).", hint="Retry later.")
        declared = response.headers.get("content-length", "")
        if cap is not None and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"The file at {url} is {int(declared):,} bytes, over the {cap:,} byte limit.",
                hint="Use a smaller file, or a tabular query on it where available.",
            )

    async def aclose(self) -> None:
        await self.http.aclose()
