"""The guarded fetch, end to end, only against loopback targets, and with injected resolvers.

Each target below really serves a secret; the assertions check the fetch was refused AND the
secret server never saw a request. Nothing is sent outside loopback: names that "resolve" to
internal addresses go through an injected resolver and are refused before any connection.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpcore
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from datagouv_mcp.testing.servers import serve_asgi
from datagouv_mcp.upstream.addresses import GuardedBackend
from datagouv_mcp.upstream.errors import BlockedURL, ResponseTooLarge, UpstreamTimeout
from datagouv_mcp.upstream.fetch import GuardedFetcher
from datagouv_mcp.upstream.settings import UpstreamSettings


class Secret:
    hits = 0


def _secret_app() -> Starlette:
    async def secret(request: Request) -> Response:
        Secret.hits += 1
        return PlainTextResponse("internal secret")

    return Starlette(routes=[Route("/{path:path}", secret)])


def _public_app(redirect_to: list[str]) -> Starlette:
    async def redirect(request: Request) -> Response:
        return RedirectResponse(redirect_to[0], status_code=302)

    async def small(request: Request) -> Response:
        return PlainTextResponse("ok " * 10)

    async def big(request: Request) -> Response:
        return PlainTextResponse("x" * 100_000)

    async def endless(request: Request) -> Response:
        async def chunks():  # type: ignore[no-untyped-def]
            # "Endless" to the client; stops once it hangs up, so the test server idles.
            while not await request.is_disconnected():
                yield b"y" * 65536

        return StreamingResponse(chunks())

    async def slow(request: Request) -> Response:
        import asyncio

        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(100):
                await asyncio.sleep(0.2)
                yield b"z"

        return StreamingResponse(chunks())

    return Starlette(
        routes=[
            Route("/redirect", redirect),
            Route("/small", small),
            Route("/big", big),
            Route("/endless", endless),
            Route("/slow", slow),
        ]
    )


@pytest.fixture(scope="module")
def secret_ports() -> Iterator[dict[str, int]]:
    with (
        serve_asgi(_secret_app(), host="127.0.0.2") as on_127_0_0_2,
        serve_asgi(_secret_app(), host="::1") as on_ipv6,
        serve_asgi(_secret_app(), host="127.0.0.1") as on_localhost,
    ):
        yield {
            "127.0.0.2": int(on_127_0_0_2.rsplit(":", 1)[1]),
            "::1": int(on_ipv6.rsplit(":", 1)[1]),
            "127.0.0.1": int(on_localhost.rsplit(":", 1)[1]),
        }


REDIRECT_TARGET: list[str] = [""]


@pytest.fixture(scope="module")
def public_url() -> Iterator[str]:
    # "Public" for the test: on 127.0.0.1, which the fetcher is told to allow, as the stand-in.
    with serve_asgi(_public_app(REDIRECT_TARGET), host="127.0.0.1") as url:
        yield url


def _fetcher(resolver: Any = None, **settings: Any) -> GuardedFetcher:
    return GuardedFetcher(
        UpstreamSettings(fetch_allowed_hosts=["127.0.0.1"], **settings), "test", resolver
    )


async def _refused(url: str, fetcher: GuardedFetcher | None = None) -> str:
    fetcher = fetcher or _fetcher()
    before = Secret.hits
    try:
        with pytest.raises(BlockedURL) as caught:
            await fetcher.fetch_bytes(url)
    finally:
        await fetcher.aclose()
    assert Secret.hits == before, "the secret server was reached"
    return caught.value.text()


@pytest.mark.anyio
async def test_fetch_rejects_another_loopback_address(secret_ports: dict[str, int]) -> None:
    text = await _refused(f"http://127.0.0.2:{secret_ports['127.0.0.2']}/")
    assert "loopback addresses are not reachable" in text


@pytest.mark.anyio
async def test_fetch_rejects_ipv6_loopback(secret_ports: dict[str, int]) -> None:
    await _refused(f"http://[::1]:{secret_ports['::1']}/")


@pytest.mark.anyio
async def test_fetch_rejects_localhost_by_name_although_127_0_0_1_is_allowed(
    secret_ports: dict[str, int],
) -> None:
    text = await _refused(f"http://localhost:{secret_ports['127.0.0.1']}/")
    assert "localhost (127.0.0.1)" in text


@pytest.mark.anyio
async def test_fetch_rejects_decimal_encoded_loopback(secret_ports: dict[str, int]) -> None:
    # 2130706434 is 127.0.0.2 written as one number.
    await _refused(f"http://2130706434:{secret_ports['127.0.0.2']}/")


@pytest.mark.anyio
async def test_fetch_rejects_local_file_urls() -> None:
    text = await _refused("file:///etc/passwd")
    assert "only http and https" in text


@pytest.mark.anyio
@pytest.mark.parametrize("url", ["gopher://127.0.0.1/", "ftp://example.org/x", "//no-scheme"])
async def test_fetch_rejects_other_schemes(url: str) -> None:
    await _refused(url)


@pytest.mark.anyio
async def test_fetch_rejects_a_redirect_from_an_allowed_host_to_another_loopback_address(
    secret_ports: dict[str, int], public_url: str
) -> None:
    REDIRECT_TARGET[0] = f"http://127.0.0.2:{secret_ports['127.0.0.2']}/latest-secret"
    text = await _refused(f"{public_url}/redirect")
    assert "127.0.0.2" in text


@pytest.mark.anyio
async def test_fetch_rejects_a_name_resolving_to_a_private_address_before_connecting() -> None:
    async def resolver(host: str, port: int) -> Sequence[str]:
        return ["10.0.0.1"]

    text = await _refused("http://internal.example/", _fetcher(resolver))
    assert "internal.example (10.0.0.1)" in text and "private" in text


@pytest.mark.anyio
async def test_fetch_rejects_a_name_resolving_to_public_and_private_addresses() -> None:
    # DNS rebinding: one public answer must not launder an internal one.
    async def resolver(host: str, port: int) -> Sequence[str]:
        return ["93.184.216.34", "169.254.169.254"]

    text = await _refused("http://rebind.example/", _fetcher(resolver))
    assert "cloud metadata" in text


class RecordingBackend(httpcore.AnyIOBackend):
    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.connections.append((host, port))
        return await super().connect_tcp(host, port, *args, **kwargs)


@pytest.mark.anyio
async def test_backend_never_connects_to_a_refused_address() -> None:
    async def resolver(host: str, port: int) -> Sequence[str]:
        return ["10.0.0.1"]

    inner = RecordingBackend()
    backend = GuardedBackend(resolver, [], inner)
    with pytest.raises(BlockedURL):
        await backend.connect_tcp("internal.example", 80)
    assert inner.connections == []


@pytest.mark.anyio
async def test_backend_connects_to_the_address_it_checked(public_url: str) -> None:
    port = int(public_url.rsplit(":", 1)[1])

    async def resolver(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.1"]

    inner = RecordingBackend()
    backend = GuardedBackend(resolver, ["allowed.example"], inner)
    stream = await backend.connect_tcp("allowed.example", port)
    await stream.aclose()
    assert inner.connections == [("127.0.0.1", port)]


@pytest.mark.anyio
async def test_the_guard_holds_even_when_the_url_check_is_skipped(
    secret_ports: dict[str, int],
) -> None:
    # Calls the fetcher's own httpx client directly: the connection itself must be refused,
    # which proves httpx uses the guarded connection pool.
    fetcher = _fetcher()
    try:
        with pytest.raises(BlockedURL):
            await fetcher.http.get(f"http://127.0.0.2:{secret_ports['127.0.0.2']}/")
    finally:
        await fetcher.aclose()


@pytest.mark.anyio
async def test_fetch_reads_an_allowed_url(public_url: str) -> None:
    fetcher = _fetcher()
    try:
        url, content_type, body = await fetcher.fetch_bytes(f"{public_url}/small")
    finally:
        await fetcher.aclose()
    assert body == b"ok " * 10
    assert content_type == "text/plain"
    assert url.endswith("/small")


@pytest.mark.anyio
async def test_fetch_refuses_a_declared_size_over_the_byte_cap(public_url: str) -> None:
    fetcher = _fetcher()
    try:
        with pytest.raises(ResponseTooLarge, match="100,000 bytes"):
            await fetcher.fetch_bytes(f"{public_url}/big", max_bytes=1000)
    finally:
        await fetcher.aclose()


@pytest.mark.anyio
async def test_fetch_stops_an_endless_body_at_the_byte_cap(public_url: str) -> None:
    fetcher = _fetcher()
    try:
        with pytest.raises(ResponseTooLarge):
            await fetcher.fetch_bytes(f"{public_url}/endless", max_bytes=1_000_000)
    finally:
        await fetcher.aclose()


@pytest.mark.anyio
async def test_fetch_stops_a_slow_body_at_the_time_cap(public_url: str) -> None:
    fetcher = _fetcher(fetch_timeout_seconds=0.5)
    try:
        with pytest.raises(UpstreamTimeout, match=r"longer than 0\.5 s"):
            await fetcher.fetch_bytes(f"{public_url}/slow")
    finally:
        await fetcher.aclose()
