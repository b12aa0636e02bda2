"""Malformed JSON-RPC over HTTP, each answered with the spec's code, a short message of ours
(no pydantic text, no URL, no input echoed) and a JSON-RPC error body; never dropped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.servers import sample_only, serve_asgi
from datagouv_mcp.webapp import build_app

MARKER = "zq-echo-marker"  # put in every malformed input: it must never come back


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    gateway = Gateway.build(sample_only(max_request_body_bytes=5000))
    with serve_asgi(build_app(gateway), settings=gateway.settings) as url:
        yield url


def _post(base_url: str, body: bytes | str, **headers: str) -> httpx.Response:
    sent = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    return httpx.post(f"{base_url}/mcp", content=body, headers=sent, timeout=10)


def _error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    """The JSON-RPC error of a refusal, checked to be short and ours."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["jsonrpc"] == "2.0"
    error = body["error"]
    assert error["code"] == code
    message = error["message"]
    assert len(message) < 200
    said = (message + json.dumps(error.get("data"))).lower()
    for leak in ("pydantic", "http", "validation error", "input_value", "jsonrpcrequest"):
        assert leak not in said, response.text
    assert MARKER not in response.text
    return dict(body)


def test_a_jsonrpc_batch_gets_a_short_invalid_request_error(base_url: str) -> None:
    batch = [{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"x": MARKER}}]
    body = _error(_post(base_url, json.dumps(batch)), 400, -32600)
    assert body["id"] is None
    assert "batches are not supported" in body["error"]["message"]


@pytest.mark.parametrize("value", [f'"{MARKER}"', "3", "null", "true", "[]"])
def test_a_non_object_body_gets_a_short_invalid_request_error(base_url: str, value: str) -> None:
    _error(_post(base_url, value), 400, -32600)


def test_a_body_that_is_not_json_gets_a_parse_error(base_url: str) -> None:
    body = _error(_post(base_url, '{"jsonrpc": "2.0", ' + MARKER), 400, -32700)
    assert body["error"]["message"] == "Parse error: the body is not valid JSON."


@pytest.mark.parametrize("request_id", ["null", "{}", "[]", "true", "1.5", "1e308"])
def test_a_request_with_an_invalid_id_is_refused_not_silently_dropped(
    base_url: str, request_id: str
) -> None:
    raw = f'{{"jsonrpc": "2.0", "id": {request_id}, "method": "tools/list"}}'
    body = _error(_post(base_url, raw), 400, -32600)
    assert body["id"] is None
    assert body["error"]["message"] == "Invalid Request: 'id' must be a string or an integer."


def test_a_wrong_jsonrpc_version_gets_an_invalid_request_error(base_url: str) -> None:
    raw = json.dumps({"jsonrpc": "1.0", "id": 7, "method": "tools/list"})
    assert _error(_post(base_url, raw), 400, -32600)["id"] == 7


def test_a_request_without_a_method_gets_an_invalid_request_error(base_url: str) -> None:
    raw = json.dumps({"jsonrpc": "2.0", "id": "a", "params": {"x": MARKER}})
    assert _error(_post(base_url, raw), 400, -32600)["id"] == "a"


@pytest.mark.parametrize("params", [[MARKER], MARKER, 5])
def test_params_that_are_not_an_object_get_an_invalid_params_error(
    base_url: str, params: object
) -> None:
    raw = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params})
    assert _error(_post(base_url, raw), 400, -32602)["id"] == 2


def test_an_unknown_method_gets_method_not_found(base_url: str) -> None:
    known_shape = _post(base_url, json.dumps({"jsonrpc": "2.0", "id": 3, "method": "foo/bar"}))
    assert known_shape.json()["error"]["code"] == -32601
    garbage = json.dumps({"jsonrpc": "2.0", "id": 4, "method": f"<{MARKER}> " * 50})
    body = _error(_post(base_url, garbage), 200, -32601)
    assert body["id"] == 4 and body["error"]["message"] == "Method not found."


@pytest.mark.parametrize(
    "content_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8", "application/json"]
)
def test_media_types_are_case_insensitive(base_url: str, content_type: str) -> None:
    raw = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    response = _post(base_url, raw, **{"Content-Type": content_type})
    assert response.status_code == 200
    assert response.json()["result"]["tools"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_declared_json_gets_415_with_a_jsonrpc_error(
    base_url: str, content_type: str
) -> None:
    raw = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    body = _error(_post(base_url, raw, **{"Content-Type": content_type}), 415, -32600)
    assert "Unsupported Media Type" in body["error"]["message"]


def test_an_unsupported_protocol_version_is_named_with_the_supported_list(base_url: str) -> None:
    raw = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "tools/list"})
    response = _post(base_url, raw, **{"MCP-Protocol-Version": "1999-01-01"})
    body = _error(response, 400, -32022)
    assert body["id"] == 9
    assert body["error"]["message"].startswith("Unsupported protocol version")
    assert "2025-06-18" in body["error"]["message"] and "_meta" not in response.text
    assert {"2025-06-18", "2025-11-25", "2026-07-28"} <= set(body["error"]["data"]["supported"])


def test_a_body_over_the_limit_gets_413_with_a_jsonrpc_error(base_url: str) -> None:
    padded = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "x": "x" * 6000})
    declared = _error(_post(base_url, padded), 413, -32600)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size is counted as it comes
        for start in range(0, len(padded), 1000):
            yield padded[start : start + 1000].encode()

    streamed = httpx.post(
        f"{base_url}/mcp", content=chunks(), headers={"Content-Type": "application/json"}
    )
    _error(streamed, 413, -32600)
    assert "up to 5000 bytes" in declared["error"]["message"]


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
def test_methods_other_than_post_get_405_with_a_jsonrpc_error(base_url: str, method: str) -> None:
    response = httpx.request(method, f"{base_url}/mcp", headers={"Accept": "text/event-stream"})
    _error(response, 405, -32600)
    assert response.headers["allow"] == "POST"


def test_notifications_and_client_answers_are_still_accepted(base_url: str) -> None:
    notification = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
    answer = json.dumps({"jsonrpc": "2.0", "id": 5, "result": {}})
    failed = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": 1, "message": "x"}})
    for raw in (notification, answer, failed):
        assert _post(base_url, raw).status_code == 202


@pytest.mark.anyio
async def test_resources_read_with_a_malformed_id_gets_invalid_params() -> None:
    gateway = Gateway.build(sample_only("datasets"))
    async with Client(build_server(gateway), mode="legacy") as client:
        with pytest.raises(MCPError) as raised:
            await client.read_resource("datagouv://datasets/not a valid id!")
    assert raised.value.error.code == -32602
    assert "dataset" in raised.value.error.message.lower()
