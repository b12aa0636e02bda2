"""The per-client rate limit (DATAGOUV_MCP_RATE_LIMIT): a tool error with retry_after for tool
calls, HTTP 429 for a flood of requests, keyed by address (X-Forwarded-For only from trusted
proxies), shared through a real Redis, never on stdio; off by default."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters

from datagouv_mcp.clientlimits import client_address, limit_key, networks
from datagouv_mcp.errors import StartupError
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.settings import CoreSettings, load_settings
from datagouv_mcp.testing.gateways import upstream_settings
from datagouv_mcp.testing.servers import (
    OFFLINE_UPSTREAM,
    SAMPLE_PLUGIN,
    clean_env,
    cli_command,
    sample_only,
    serve_asgi,
)
from datagouv_mcp.webapp import build_app

CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}


def _serve(stack: ExitStack, storage: str = "async+memory://", **settings: Any) -> str:
    gateway = Gateway.build(
        sample_only(**settings),
        upstream=upstream_settings(OFFLINE_UPSTREAM, rate_limit_url=storage),
    )
    return stack.enter_context(serve_asgi(build_app(gateway), settings=gateway.settings))


def _call(base: str, text: str = "x", **headers: str) -> dict[str, Any]:
    body = {**CALL, "params": {"name": "echo", "arguments": {"text": text}}}
    response = httpx.post(
        f"{base}/mcp",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["result"])


def _limited(result: dict[str, Any]) -> bool:
    return bool(result.get("isError")) and result["structuredContent"]["code"] == "rate_limited"


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])  # the handshake era and 2026-07-28
async def test_rate_limit_answers_a_tool_error_with_retry_after(
    stack: ExitStack, mode: str
) -> None:
    base = _serve(stack, rate_limit="3/minute")
    async with Client(f"{base}/mcp", mode=mode) as client:  # type: ignore[arg-type]
        answered = [await client.call_tool("echo", {"text": str(n)}) for n in range(4)]
    assert [result.is_error for result in answered] == [False, False, False, True]
    refused = answered[-1]
    error = refused.structured_content or {}
    assert error["code"] == "rate_limited" and error["retryable"] is True
    assert isinstance(error["retry_after"], int) and 1 <= error["retry_after"] <= 60
    text = refused.content[0].text  # type: ignore[union-attr]
    assert text.startswith("Error: Too many tool calls") and "3 per 1 minute" in text
    assert f"Wait {error['retry_after']} s" in text


def test_a_flood_of_raw_http_requests_gets_429_with_retry_after(stack: ExitStack) -> None:
    base = _serve(stack, rate_limit="2/minute")  # 8 HTTP requests a minute
    listing = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    headers = {"Content-Type": "application/json"}
    statuses = [
        httpx.post(f"{base}/mcp", content=listing, headers=headers).status_code for _ in range(8)
    ]
    flooded = httpx.post(f"{base}/mcp", content=listing, headers=headers)
    assert statuses == [200] * 8
    assert flooded.status_code == 429
    assert 1 <= int(flooded.headers["retry-after"]) <= 60
    error = flooded.json()["error"]
    assert error["code"] == -32010 and error["data"]["retry_after"] >= 1
    # Liveness is never limited: load balancers probe it.
    assert httpx.get(f"{base}/health").status_code == 200


def test_rate_limit_is_off_by_default(stack: ExitStack) -> None:
    base = _serve(stack)
    assert not any(_limited(_call(base)) for _ in range(30))


def test_a_forged_x_forwarded_for_does_not_escape_the_limit(stack: ExitStack) -> None:
    # No trusted proxy: anyone can write X-Forwarded-For, so it is not read.
    base = _serve(stack, rate_limit="2/minute")
    results = [_call(base, **{"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(3)]
    assert [_limited(result) for result in results] == [False, False, True]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    stack: ExitStack,
) -> None:
    base = _serve(stack, rate_limit="1/minute", trusted_proxies=["127.0.0.0/8"])
    alice, bob = {"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}
    # A client's own forged entry stands left of the address the proxy appended.
    forged = {"X-Forwarded-For": "192.0.2.99, 198.51.100.1"}
    assert not _limited(_call(base, **alice))
    assert not _limited(_call(base, **bob))
    assert _limited(_call(base, **alice))
    assert _limited(_call(base, **forged))


def test_client_address_walks_x_forwarded_for_from_the_trusted_end() -> None:
    trusted = networks(["10.0.0.0/8", "127.0.0.1"])

    def seen(peer: str, forwarded: str | None) -> str | None:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return client_address(peer, headers, trusted)

    assert seen("203.0.113.5", "198.51.100.1") == "203.0.113.5"  # untrusted peer
    assert seen("127.0.0.1", None) == "127.0.0.1"
    assert seen("127.0.0.1", "198.51.100.1") == "198.51.100.1"
    assert seen("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.7") == "198.51.100.1"
    assert seen("127.0.0.1", "[2001:db8::1]:443") == "2001:db8::1"
    assert seen("127.0.0.1", "198.51.100.1:5000") == "198.51.100.1"
    assert seen("127.0.0.1", "garbage, 10.0.0.7") == "10.0.0.7"


def test_ipv6_clients_are_counted_by_their_64_prefix() -> None:
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::2")
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert limit_key("192.0.2.1") == "192.0.2.1"


def test_rate_limit_is_shared_through_redis(stack: ExitStack, redis_port: int) -> None:
    storage = f"async+redis://127.0.0.1:{redis_port}"
    replicas = [_serve(stack, storage, rate_limit="3/minute") for _ in range(2)]
    # One client, its calls spread over two replicas by a load balancer.
    results = [_call(replicas[n % 2]) for n in range(4)]
    assert [_limited(result) for result in results] == [False, False, False, True]
    assert _limited(_call(replicas[0])) and _limited(_call(replicas[1]))


def test_rate_limit_counts_locally_while_redis_is_away(stack: ExitStack) -> None:
    base = _serve(stack, "async+redis://127.0.0.1:9", rate_limit="2/minute")
    assert [_limited(_call(base)) for _ in range(3)] == [False, False, True]


@pytest.mark.anyio
async def test_stdio_calls_are_never_rate_limited() -> None:
    command = cli_command("serve", "--transport", "stdio")
    env = {"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN, "DATAGOUV_MCP_RATE_LIMIT": "1/minute"}
    params = StdioServerParameters(command=command[0], args=command[1:], env=clean_env(env))
    async with Client(params, mode="legacy") as client:
        results = [await client.call_tool("echo", {"text": "x"}) for _ in range(3)]
    assert [result.is_error for result in results] == [False, False, False]


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("rate_limit", "fast", "expected one rate in the limits notation such as 60/minute"),
        ("rate_limit", "0/minute", "expected one rate"),
        ("rate_limit", "60/minute;1/second", "expected one rate"),
        ("trusted_proxies", "10.0.0.0/8,proxy", "expected IP addresses or networks"),
    ],
)
def test_a_bad_rate_limit_setting_is_explained(field: str, value: str, accepted: str) -> None:
    with pytest.raises(StartupError) as raised:
        load_settings(CoreSettings, **{field: value})
    assert f"DATAGOUV_MCP_{field.upper()}={value!r}: {accepted}" in str(raised.value)


def test_rate_limit_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_RATE_LIMIT", "60/minute")
    monkeypatch.setenv("DATAGOUV_MCP_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    settings = load_settings(CoreSettings)
    assert settings.rate_limit == "60/minute"
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
