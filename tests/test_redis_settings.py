"""DATAGOUV_MCP_REDIS_URL, the one setting of shared state: it feeds the cache, the rate
budget and the per-client limit unless their own URLs are set; a bad one stops start-up,
named, its value (which may hold a password) not echoed."""

from __future__ import annotations

import pytest

from datagouv_mcp.settings import load_settings
from datagouv_mcp.testing.servers import run_cli
from datagouv_mcp.upstream.settings import UpstreamSettings


def test_one_redis_url_feeds_the_cache_and_the_rate_storage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_REDIS_URL", "redis://redis:6379/2")
    settings = load_settings(UpstreamSettings)
    assert settings.cache_backend() == "redis://redis:6379/2"
    assert settings.rate_storage() == "async+redis://redis:6379/2"


def test_the_cache_and_rate_urls_still_win_for_their_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_REDIS_URL", "redis://redis:6379/2")
    monkeypatch.setenv("DATAGOUV_MCP_CACHE_URL", "mem://")
    monkeypatch.setenv("DATAGOUV_MCP_RATE_LIMIT_URL", "async+redis://other:6379/0")
    settings = load_settings(UpstreamSettings)
    assert settings.cache_backend() == "mem://"
    assert settings.rate_storage() == "async+redis://other:6379/0"


def test_without_redis_everything_stays_in_process() -> None:
    settings = load_settings(UpstreamSettings)
    assert (settings.cache_backend(), settings.rate_storage()) == ("mem://", "async+memory://")


def test_a_redis_url_that_is_not_one_stops_start_up_without_echoing_it() -> None:
    result = run_cli("plugins", env={"DATAGOUV_MCP_REDIS_URL": "secret-password@redis:6379"})
    assert result.returncode == 2
    assert "DATAGOUV_MCP_REDIS_URL: expected a Redis URL such as redis://redis:6379/0" in (
        result.stderr
    )
    assert "secret-password" not in result.stderr
