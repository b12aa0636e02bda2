"""Streamable HTTP on a loopback port: real MCP clients, plain JSON clients, rebinding defence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from mcp import Client

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.servers import sample_only, serve_asgi
from datagouv_mcp.version import package_version
from datagouv_mcp.webapp import build_app

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "plain-http", "version": "1"},
    },
}


def _gateway(**settings: object) -> Gateway:
    return Gateway.build(sample_only(**settings))


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_asgi(build_app(_gateway())) as url:
        yield url


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_client_lists_and_calls_plugin_tools_over_http(base_url: str, mode: str) -> None:
    async with Client(f"{base_url}/mcp", mode=mode) as client:  # type: ignore[arg-type]
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        result = await client.call_tool("echo", {"text": "bonjour", "times": 2})
    assert {"echo", "explode", "refuse"} <= tools.keys()
    echo = tools["echo"]
    assert echo.title == "Echo"
    assert echo.annotations is not None and echo.annotations.read_only_hint is True
    assert echo.output_schema is not None and "greeting" in echo.output_schema["properties"]
    assert result.is_error is False
    assert result.content[0].text == "Hello: bonjour bonjour"  # type: ignore[union-attr]
    assert result.structured_content == {"text": "bonjour", "times": 2, "greeting": "Hello"}


def _post(base_url: str, body: object, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/mcp",
        json=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )


def test_client_accepting_only_json_gets_plain_json(base_url: str) -> None:
    init = _post(base_url, INIT, Accept="application/json")
    listed = _post(
        base_url, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, Accept="application/json"
    )
    assert init.status_code == 200
    assert init.headers["content-type"].startswith("application/json")
    assert init.json()["result"]["serverInfo"]["name"] == "datagouv-mcp"
    assert "echo" in [tool["name"] for tool in listed.json()["result"]["tools"]]


def test_client_sending_no_accept_header_gets_plain_json(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/mcp",
        content=b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["result"]["tools"]


def test_client_accepting_event_stream_gets_sse(base_url: str) -> None:
    response = _post(base_url, INIT, Accept="application/json, text/event-stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert '"serverInfo"' in response.text


def test_tool_call_over_plain_json_carries_structured_content(base_url: str) -> None:
    call = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": "echo", "arguments": {"text": "x"}},
    }
    result = _post(base_url, call, Accept="application/json").json()["result"]
    assert result["structuredContent"] == {"text": "x", "times": 1, "greeting": "Hello"}
    assert result.get("isError") in (None, False)


def test_rebinding_wrong_host_is_rejected(base_url: str) -> None:
    response = _post(base_url, INIT, Accept="application/json", Host="evil.example")
    assert response.status_code == 421
    assert "DATAGOUV_MCP_ALLOWED_HOSTS" in response.json()["error"]["message"]


def test_rebinding_wrong_origin_is_rejected(base_url: str) -> None:
    response = _post(base_url, INIT, Accept="application/json", Origin="http://evil.example")
    assert response.status_code == 403
    assert "DATAGOUV_MCP_ALLOWED_ORIGINS" in response.json()["error"]["message"]


@pytest.mark.parametrize("host", ["localhost", "localhost:8123", "127.0.0.1:9", "LOCALHOST:1"])
def test_local_hosts_on_any_port_are_accepted(base_url: str, host: str) -> None:
    response = _post(base_url, INIT, Accept="application/json", Host=host, Origin=f"http://{host}")
    assert response.status_code == 200


def test_operator_can_allow_its_own_host_name() -> None:
    gateway = _gateway(
        allowed_hosts=["mcp.example.org"], allowed_origins=["https://chat.example.org"]
    )
    with serve_asgi(build_app(gateway)) as url:
        ok = _post(
            url,
            INIT,
            Accept="application/json",
            Host="mcp.example.org",
            Origin="https://chat.example.org",
        )
        local = _post(url, INIT, Accept="application/json")
    assert ok.status_code == 200
    assert local.status_code == 421


def test_request_body_over_the_limit_is_refused() -> None:
    with serve_asgi(build_app(_gateway(max_request_body_bytes=2000))) as url:
        big = {**INIT, "params": {**INIT["params"], "padding": "x" * 5000}}  # type: ignore[dict-item]
        response = _post(url, big, Accept="application/json")
    assert response.status_code == 413


def test_get_on_the_stateless_endpoint_says_to_post(base_url: str) -> None:
    response = httpx.get(f"{base_url}/mcp", headers={"Accept": "text/event-stream"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_health_answers_at_once_with_status_timestamp_and_version(base_url: str) -> None:
    response = httpx.get(f"{base_url}/health")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"status", "timestamp", "version"}
    assert body["status"] == "ok"
    assert datetime.fromisoformat(body["timestamp"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert body["version"] == package_version()


def test_health_is_served_for_any_host_header(base_url: str) -> None:
    # Load balancers probe with the pod's address as Host: liveness must not depend on it.
    response = httpx.get(f"{base_url}/health", headers={"Host": "10.1.2.3:8000"})
    assert response.status_code == 200


def test_readiness_reports_each_probe(base_url: str) -> None:
    response = httpx.get(f"{base_url}/health/ready")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ready"
    assert [(c["name"], c["plugin"], c["ok"]) for c in body["checks"]] == [
        ("sample", "sample_plugin", True)
    ]


def test_readiness_is_503_with_the_failing_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_SAMPLE_PLUGIN_UNHEALTHY", "true")
    with serve_asgi(build_app(_gateway())) as url:
        response = httpx.get(f"{url}/health/ready")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "not_ready"
    assert body["checks"][0]["detail"] == "sample is configured unhealthy"


def test_readiness_gives_up_on_a_slow_probe_within_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_SAMPLE_PLUGIN_PROBE_DELAY_SECONDS", "30")
    with serve_asgi(build_app(_gateway(readiness_timeout_seconds=0.2))) as url:
        response = httpx.get(f"{url}/health/ready", timeout=10)
    assert response.status_code == 503
    assert "no answer within 0.2 s" in response.json()["checks"][0]["detail"]


def test_readiness_verdict_is_cached_briefly(monkeypatch: pytest.MonkeyPatch) -> None:
    with serve_asgi(build_app(_gateway(readiness_cache_seconds=60))) as url:
        first = httpx.get(f"{url}/health/ready").json()
        second = httpx.get(f"{url}/health/ready").json()
    assert first["timestamp"] == second["timestamp"]
