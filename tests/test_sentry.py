"""Sentry: initialised only when SENTRY_DSN is set; a crash arrives tagged with its incident id.

A small app on loopback plays Sentry's ingestion endpoint."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, run_cli, serve_asgi

RECEIVED: list[bytes] = []


async def envelope(request: Request) -> Response:
    body = await request.body()
    encoding = request.headers.get("content-encoding", "")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    RECEIVED.append(body)
    return JSONResponse({})


@pytest.fixture(scope="module")
def sentry_url() -> Iterator[str]:
    app = Starlette(routes=[Route("/api/{project}/envelope/", envelope, methods=["POST"])])
    with serve_asgi(app) as url:
        yield url


def _events() -> list[dict[str, object]]:
    events = []
    for body in RECEIVED:
        for line in body.splitlines():
            if line.startswith(b"{") and b'"exception"' in line:
                events.append(json.loads(line))
    return events


def test_a_crash_reaches_sentry_tagged_with_its_incident_id(sentry_url: str) -> None:
    RECEIVED.clear()
    dsn = sentry_url.replace("http://", "http://publickey@") + "/42"
    result = run_cli(
        "call", "explode", env={"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN, "SENTRY_DSN": dsn}
    )
    incident = json.loads(result.stdout.split("--- structured content ---")[1])["incident_id"]
    events = _events()
    assert len(events) == 1
    assert events[0]["tags"]["incident_id"] == incident  # type: ignore[index]
    assert events[0]["tags"]["tool"] == "explode"  # type: ignore[index]


def test_without_sentry_dsn_nothing_is_sent(sentry_url: str) -> None:
    RECEIVED.clear()
    result = run_cli("call", "explode", env={"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN})
    assert result.returncode == 1
    assert RECEIVED == []


def test_tool_arguments_are_not_sent_to_sentry(sentry_url: str) -> None:
    RECEIVED.clear()
    dsn = sentry_url.replace("http://", "http://publickey@") + "/42"
    run_cli(
        "call",
        "explode",
        '{"detail": "personal query"}',
        env={"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN, "SENTRY_DSN": dsn},
    )
    assert len(_events()) == 1
    for body in RECEIVED:
        at = body.find(b"personal query")
        assert at == -1, body[max(0, at - 300) : at + 50]
