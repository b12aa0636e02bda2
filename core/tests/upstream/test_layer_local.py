"""Upstream layer behaviour that needs only a tiny local app: headers, redirects, rate budget."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from datagouv_mcp.testing.servers import serve_asgi
from datagouv_mcp.upstream import BlockedURL, Upstreams
from datagouv_mcp.upstream.ratelimit import RateBudget, rate_item
from datagouv_mcp.upstream.settings import UpstreamSettings
from datagouv_mcp.version import package_version


def _app(other_port: list[int]) -> Starlette:
    async def echo(request: Request) -> Response:
        return JSONResponse(
            {
                "user_agent": request.headers.get("user-agent"),
                "accept": request.headers.get("accept"),
            }
        )

    async def elsewhere(request: Request) -> Response:
        return RedirectResponse(f"http://localhost:{other_port[0]}/api/echo/", status_code=302)

    async def moved(request: Request) -> Response:
        return RedirectResponse("/api/echo/", status_code=308)

    return Starlette(
        routes=[
            Route("/api/echo/", echo),
            Route("/api/elsewhere/", elsewhere),
            Route("/api/moved/", moved),
        ]
    )


PORT: list[int] = [0]


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve_asgi(_app(PORT)) as url:
        PORT[0] = int(url.rsplit(":", 1)[1])
        yield url


@pytest.fixture
async def upstreams(base: str) -> AsyncIterator[Upstreams]:
    settings = UpstreamSettings(api_url=f"{base}/api/")
    async with Upstreams(settings, package_version()).running() as running:
        yield running


@pytest.mark.anyio
async def test_requests_name_the_project_and_its_version(upstreams: Upstreams) -> None:
    fetched = await upstreams.api.get_json("echo/", ttl=None)
    assert fetched.data["user_agent"].startswith(f"datagouv-mcp/{package_version()} ")
    assert fetched.data["accept"] == "application/json"


@pytest.mark.anyio
async def test_redirects_on_the_same_host_are_followed(upstreams: Upstreams) -> None:
    fetched = await upstreams.api.get_json("moved/", ttl=None)
    assert "user_agent" in fetched.data


@pytest.mark.anyio
async def test_a_redirect_to_another_host_is_refused(upstreams: Upstreams) -> None:
    # localhost is the same server, under another name: the trusted client still stays put.
    with pytest.raises(BlockedURL, match="Refused to follow a redirect"):
        await upstreams.api.get_json("elsewhere/", ttl=None)


@pytest.mark.anyio
async def test_paths_cannot_escape_the_api_prefix(upstreams: Upstreams) -> None:
    for bad in ("../secret", "/etc/passwd", "http://evil.example/"):
        with pytest.raises(ValueError, match="not a relative API path"):
            upstreams.api.url(bad)


@pytest.mark.anyio
async def test_the_rate_budget_makes_the_request_over_it_wait() -> None:
    budget = RateBudget("async+memory://", 5)
    started = time.monotonic()
    for _ in range(5):
        await budget.acquire("api", remaining=10)
    within = time.monotonic() - started
    await budget.acquire("api", remaining=10)
    assert within < 0.5
    assert time.monotonic() - started >= 0.5


@pytest.mark.anyio
async def test_the_rate_budget_gives_up_rather_than_overrun_the_call_budget() -> None:
    from datagouv_mcp.upstream import UpstreamRateLimited

    budget = RateBudget("async+memory://", 1)
    await budget.acquire("api", remaining=10)
    with pytest.raises(UpstreamRateLimited):
        await budget.acquire("api", remaining=0.05)


@pytest.mark.anyio
async def test_a_replica_counting_alone_keeps_its_share_of_the_budget(base: str) -> None:
    # Redis away (nothing listens on port 9 of loopback), two replicas of two workers sharing
    # 20 requests per second: this process counts 5 per second alone.
    settings = UpstreamSettings(
        api_url=f"{base}/api/",
        redis_url="redis://127.0.0.1:9/0",
        requests_per_second=20,
        replicas=2,
    )
    async with Upstreams(settings, package_version(), workers=2).running() as upstreams:
        started = time.monotonic()
        for _ in range(5):
            await upstreams.api.get_json("echo/", ttl=None)
        within = time.monotonic() - started
        await upstreams.api.get_json("echo/", ttl=None)
        assert within < 0.5
        assert time.monotonic() - started >= 0.5


@given(
    per_second=st.floats(min_value=0.1, max_value=1000, allow_nan=False),
    share=st.integers(min_value=1, max_value=1000),
)
def test_the_shares_never_add_up_to_more_than_the_budget(per_second: float, share: int) -> None:
    item = rate_item(per_second / share)
    allowed = item.amount / item.get_expiry()
    if item.amount > 1:  # at least one request per window, whatever the share
        assert allowed * share <= per_second * (1 + 1e-9)
