"""Optional bearer tokens (DATAGOUV_MCP_AUTH_TOKENS, DATAGOUV_MCP_AUTH_TOKENS_FILE): off by
default; when set, /mcp answers 401 with WWW-Authenticate without one of them, the health
checks stay open, and a real MCP client sending the token gets through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from datagouv_mcp.auth import BearerTokens
from datagouv_mcp.errors import StartupError
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.settings import CoreSettings, load_settings
from datagouv_mcp.testing.servers import sample_only, serve_asgi
from datagouv_mcp.webapp import build_app

TOKEN = "s3cret-token-for-tests-0123456789"
OTHER = "another-token-for-tests-987654321"
LIST = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})


def _served(**settings: object) -> Iterator[str]:
    gateway = Gateway.build(sample_only(**settings))
    with serve_asgi(build_app(gateway), settings=gateway.settings) as url:
        yield url


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    yield from _served(auth_tokens=[TOKEN, OTHER])


def _post(base_url: str, **headers: str) -> httpx.Response:
    sent = {"Content-Type": "application/json", "Accept": "application/json", **headers}
    return httpx.post(f"{base_url}/mcp", content=LIST, headers=sent, timeout=10)


def test_bearer_token_required_when_configured(base_url: str) -> None:
    response = _post(base_url)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="datagouv-mcp"'
    error = response.json()["error"]
    assert error["code"] == -32600 and "Authorization: Bearer" in error["message"]


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer",
        f"Bearer  {TOKEN} x",
    ],
)
def test_a_wrong_bearer_token_is_refused_as_invalid(base_url: str, authorization: str) -> None:
    response = _post(base_url, Authorization=authorization)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert TOKEN not in response.text


@pytest.mark.parametrize("token", [TOKEN, OTHER])
def test_each_configured_bearer_token_is_accepted(base_url: str, token: str) -> None:
    response = _post(base_url, Authorization=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["result"]["tools"]
    assert _post(base_url, Authorization=f"bearer {token}").status_code == 200


@pytest.mark.anyio
async def test_an_mcp_client_sending_the_token_calls_tools(base_url: str) -> None:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    async with http, Client(streamable_http_client(f"{base_url}/mcp", http_client=http)) as client:
        result = await client.call_tool("echo", {"text": "private"})
    assert result.is_error is False


def test_health_checks_need_no_token(base_url: str) -> None:
    assert httpx.get(f"{base_url}/health").status_code == 200
    assert httpx.get(f"{base_url}/health/ready").status_code == 200


def test_the_token_is_checked_after_the_host(base_url: str) -> None:
    # A rebinding page learns nothing, not even that a token is wanted.
    assert _post(base_url, Host="evil.example").status_code == 421


def test_tokens_can_come_from_a_file(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# one token a line\n\n{TOKEN}\n")
    for url in _served(auth_tokens_file=str(tokens)):
        assert _post(url).status_code == 401
        assert _post(url, Authorization=f"Bearer {TOKEN}").status_code == 200


def test_auth_is_off_by_default() -> None:
    for url in _served():
        assert _post(url).status_code == 200


def test_tokens_are_compared_in_full() -> None:
    tokens = BearerTokens([TOKEN])
    assert tokens.accepts(f"Bearer {TOKEN}")
    assert not tokens.accepts(f"Bearer {TOKEN.upper()}")
    assert not tokens.accepts(None)


@pytest.mark.parametrize(
    ("values", "accepted"),
    [
        ({"auth_tokens": "short"}, "expected tokens of at least 16 characters"),
        ({"auth_tokens_file": "/nonexistent/tokens"}, "cannot read the token file"),
    ],
)
def test_a_bad_token_setting_is_explained_without_echoing_a_token(
    values: dict[str, str], accepted: str
) -> None:
    with pytest.raises(StartupError) as raised:
        load_settings(CoreSettings, **values)
    assert accepted in str(raised.value)
    assert "'short'" not in str(raised.value)


def test_an_empty_token_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "tokens"
    empty.write_text("# nothing yet\n")
    with pytest.raises(StartupError, match="holds no token"):
        load_settings(CoreSettings, auth_tokens_file=str(empty))
