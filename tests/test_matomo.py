"""Matomo: one event per tool call, sent in batches in the background, never in a call's way.

A small Matomo on loopback (a real HTTP server taking the bulk tracking API at /matomo.php)
that can be slow, answer 500, or not be there at all."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from datagouv_mcp import meters
from datagouv_mcp.errors import StartupError
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.matomo import MatomoSettings
from datagouv_mcp.settings import load_settings
from datagouv_mcp.testing.prometheus import Samples, parse, scrape
from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, free_port, run_cli, sample_only, serve_asgi
from datagouv_mcp.webapp import build_app

TOKEN = "matomo-token-0123456789abcdef"
EVENTS = "datagouv_mcp_matomo_events_total"


@dataclass
class FakeMatomo:
    """What arrived, and how to answer: after `delay` seconds; 500 to the next `failures`
    requests (or to all, `always_fail`)."""

    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    posts: int = 0
    delay: float = 0.0
    failures: int = 0
    always_fail: bool = False

    async def track(self, request: Request) -> Response:
        self.posts += 1
        body = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.always_fail or self.failures > 0:
            self.failures -= 1
            return Response("Internal Server Error", 500)
        self.bodies.append(body)
        return JSONResponse({"status": "success", "tracked": len(body["requests"])})

    def requests(self) -> list[dict[str, str]]:
        return [
            {key: values[0] for key, values in parse_qs(request.removeprefix("?")).items()}
            for body in self.bodies
            for request in body["requests"]
        ]

    def wait_for_posts(self, posts: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.posts < posts and time.monotonic() < deadline:
            time.sleep(0.05)

    def wait_for(self, requests: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests()) < requests and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def matomo() -> Iterator[FakeMatomo]:
    fake = FakeMatomo()
    app = Starlette(routes=[Route("/matomo.php", fake.track, methods=["POST"])])
    with serve_asgi(app) as url:
        fake.url = url
        yield fake


def _configure(monkeypatch: pytest.MonkeyPatch, url: str, **settings: object) -> None:
    values = {"url": url, "site_id": 7, "flush_seconds": 0.1, **settings}
    for name, value in values.items():
        monkeypatch.setenv(f"DATAGOUV_MCP_MATOMO_{name.upper()}", str(value))


@pytest.fixture
def served() -> Iterator[str]:
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        yield url


def _events(samples: Samples, result: str) -> float:
    return samples.value(EVENTS, result=result)


def _local() -> Samples:
    return parse(meters.render(None)[0].decode())


async def _timed_calls(url: str, count: int) -> list[float]:
    durations = []
    async with Client(f"{url}/mcp", mode="legacy") as client:
        for _ in range(count):
            started = time.perf_counter()
            result = await client.call_tool("echo", {"text": "a personal query"})
            durations.append(time.perf_counter() - started)
            assert result.is_error is False
    return durations


@pytest.mark.anyio
async def test_each_tool_call_is_one_event_and_events_go_in_batches(
    matomo: FakeMatomo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, matomo.url, batch_size=2, auth_token=TOKEN)
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        before = scrape(url)
        async with Client(f"{url}/mcp", mode="legacy") as client:
            for _ in range(3):
                await client.call_tool("echo", {"text": "a personal query"})
            await client.call_tool("refuse", {"reason": "another personal text"})
        await asyncio.to_thread(matomo.wait_for, 4)
        after = scrape(url)
    requests = matomo.requests()
    assert len(requests) == 4
    assert all(len(body["requests"]) <= 2 for body in matomo.bodies)
    assert len(matomo.bodies) >= 2
    assert all(body["token_auth"] == TOKEN for body in matomo.bodies)
    assert sorted((r["e_a"], r["e_n"]) for r in requests) == [
        ("echo", "ok"),
        ("echo", "ok"),
        ("echo", "ok"),
        ("refuse", "error"),
    ]
    for request in requests:
        assert request["idsite"] == "7"
        assert request["e_c"] == "MCP"
        assert request["rec"] == "1"
        assert float(request["e_v"]) >= 0
        assert abs(int(request["cdt"]) - time.time()) < 60
        assert "cip" not in request
    assert "personal" not in str(matomo.bodies)
    assert _events(after, "sent") - _events(before, "sent") == 4


@pytest.mark.anyio
async def test_the_client_address_is_sent_only_when_the_operator_asks(
    matomo: FakeMatomo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, matomo.url, batch_size=1, auth_token=TOKEN, send_client_address="true")
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        await _timed_calls(url, 1)
        await asyncio.to_thread(matomo.wait_for, 1)
    assert matomo.requests()[0]["cip"] == "127.0.0.1"


@pytest.mark.anyio
async def test_a_slow_matomo_delays_no_call(
    matomo: FakeMatomo, monkeypatch: pytest.MonkeyPatch
) -> None:
    matomo.delay = 0.5
    _configure(monkeypatch, matomo.url, batch_size=1, timeout_seconds=1)
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        durations = await _timed_calls(url, 10)
        await asyncio.to_thread(matomo.wait_for, 1)
    assert max(durations) < 0.5, durations
    assert len(matomo.requests()) >= 1


@pytest.mark.anyio
async def test_a_matomo_that_is_down_fails_no_call_and_drops_are_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing listens there; the queue holds 3 and is not sent before the server stops.
    _configure(monkeypatch, f"http://127.0.0.1:{free_port()}", queue_size=3, flush_seconds=60)
    before = _local()
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        durations = await _timed_calls(url, 8)
        during = scrape(url)
    after = _local()
    assert max(durations) < 0.5, durations
    assert _events(during, "dropped") - _events(before, "dropped") == 5
    assert during.value("datagouv_mcp_matomo_queue_length") == 3
    # At shutdown, the 3 queued are tried once more, and fail.
    assert _events(after, "failed") - _events(before, "failed") == 3
    assert after.value("datagouv_mcp_matomo_queue_length") == 0


@pytest.mark.anyio
async def test_a_matomo_answering_500_is_tried_three_times_then_counted_failed(
    matomo: FakeMatomo, monkeypatch: pytest.MonkeyPatch
) -> None:
    matomo.always_fail = True
    _configure(monkeypatch, matomo.url, batch_size=2, flush_seconds=60)
    before = _local()
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        durations = await _timed_calls(url, 2)
        await asyncio.to_thread(matomo.wait_for_posts, 3)
        await asyncio.sleep(0.2)
        during = scrape(url)
    assert max(durations) < 0.5, durations
    assert matomo.posts == 3
    assert _events(during, "failed") - _events(before, "failed") == 2


@pytest.mark.anyio
async def test_a_batch_refused_once_arrives_on_the_next_try(
    matomo: FakeMatomo, monkeypatch: pytest.MonkeyPatch
) -> None:
    matomo.failures = 1
    _configure(monkeypatch, matomo.url, batch_size=2, flush_seconds=60)
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        await _timed_calls(url, 2)
        await asyncio.to_thread(matomo.wait_for, 2)
    assert matomo.posts == 2
    assert [r["e_a"] for r in matomo.requests()] == ["echo", "echo"]


def test_scrapes_and_health_checks_are_not_sent_to_matomo(
    matomo: FakeMatomo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, matomo.url, batch_size=1)
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        for path in ("/metrics", "/health", "/health/ready", "/metrics"):
            assert httpx.get(f"{url}{path}", timeout=10).status_code == 200
        time.sleep(0.5)
    assert matomo.posts == 0


@pytest.mark.anyio
async def test_without_url_and_site_id_nothing_is_sent(matomo: FakeMatomo) -> None:
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        await _timed_calls(url, 2)
        await asyncio.sleep(0.3)
    assert matomo.posts == 0


def test_the_official_servers_names_work_from_dot_env(matomo: FakeMatomo, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"MATOMO_URL={matomo.url}\nMATOMO_SITE_ID=12\nMATOMO_AUTH_TOKEN={TOKEN}\n"
    )
    result = run_cli(
        "call",
        "echo",
        '{"text": "x"}',
        env={"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    matomo.wait_for(1)
    assert [r["idsite"] for r in matomo.requests()] == ["12"]
    assert matomo.bodies[0]["token_auth"] == TOKEN


def test_our_names_win_over_the_official_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATOMO_URL", "https://official.example/")
    monkeypatch.setenv("MATOMO_SITE_ID", "3")
    monkeypatch.setenv("DATAGOUV_MCP_MATOMO_SITE_ID", "5")
    settings = load_settings(MatomoSettings)
    assert (settings.url, settings.site_id) == ("https://official.example/", 5)
    assert settings.endpoint == "https://official.example/matomo.php"


def test_an_incomplete_matomo_setting_stops_start_up_saying_what_to_set() -> None:
    result = run_cli("plugins", env={"DATAGOUV_MCP_MATOMO_URL": "https://stats.example/"})
    assert result.returncode == 2
    assert result.stderr.startswith(
        "Error: Invalid setting: Matomo needs both DATAGOUV_MCP_MATOMO_URL and "
        "DATAGOUV_MCP_MATOMO_SITE_ID (or neither, to leave it off)."
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MATOMO_URL": "stats.example", "MATOMO_SITE_ID": "1"},
            "DATAGOUV_MCP_MATOMO_URL (or MATOMO_URL)='stats.example': expected an http(s) URL",
        ),
        (
            {"MATOMO_URL": "https://stats.example/", "MATOMO_SITE_ID": "0"},
            "DATAGOUV_MCP_MATOMO_SITE_ID (or MATOMO_SITE_ID)='0': expected an integer at least 1",
        ),
        (
            {
                "DATAGOUV_MCP_MATOMO_URL": "https://stats.example/",
                "DATAGOUV_MCP_MATOMO_SITE_ID": "1",
                "DATAGOUV_MCP_MATOMO_SEND_CLIENT_ADDRESS": "true",
            },
            "DATAGOUV_MCP_MATOMO_SEND_CLIENT_ADDRESS needs DATAGOUV_MCP_MATOMO_AUTH_TOKEN",
        ),
        (
            {
                "DATAGOUV_MCP_MATOMO_URL": "https://stats.example/",
                "DATAGOUV_MCP_MATOMO_SITE_ID": "1",
                "DATAGOUV_MCP_MATOMO_AUTH_TOKEN": TOKEN,
                "DATAGOUV_MCP_MATOMO_BATCH_SIZE": "0",
            },
            "DATAGOUV_MCP_MATOMO_BATCH_SIZE='0': expected an integer from 1 to 1000",
        ),
    ],
)
def test_a_bad_matomo_setting_is_named_with_what_it_accepts(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StartupError) as refused:
        load_settings(MatomoSettings)
    assert message in str(refused.value)
    assert TOKEN not in str(refused.value)
