"""Attack 9: `/health/ready` and tool errors named exception classes (`UpstreamUnavailable:
... (ReadError)`). What the client reads says what went wrong in words; the classes stay in
the logs."""

from __future__ import annotations

import re

import httpx
import pytest

from datagouv_mcp.testing.clients import call_checked
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp.testing.servers import serve_asgi
from datagouv_mcp.webapp import build_app
from datagouv_mcp_standin.testing import Standin

CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Unavailable|Timeout)\b")


@pytest.fixture
def broken(upstream: Standin) -> Standin:
    """Every dataset search gets its connection reset."""
    upstream.add_fault(route="/api/2/datasets/search/*", kind="reset")
    return upstream


def test_readiness_details_name_no_exception_class(broken: Standin) -> None:
    gateway = gateway_for(broken.env(), plugins=["datasets"], upstream={"max_attempts": 1})
    with serve_asgi(build_app(gateway)) as url:
        body = httpx.get(f"{url}/health/ready", timeout=30).json()
    (check,) = [c for c in body["checks"] if c["name"] == "datasets-api"]
    assert check["ok"] is False
    assert "connection" in check["detail"]
    assert not CLASS_NAME.search(check["detail"]), check["detail"]


@pytest.mark.anyio
async def test_tool_errors_name_no_exception_class(broken: Standin) -> None:
    gateway = gateway_for(broken.env(), plugins=["datasets"], upstream={"max_attempts": 1})
    result = await call_checked(gateway, "search_datasets", {"query": "eau"})
    text = result.content[0].text
    assert result.is_error and "connection" in text
    assert not CLASS_NAME.search(text), text
    assert not CLASS_NAME.search(str(result.structured_content)), result.structured_content
