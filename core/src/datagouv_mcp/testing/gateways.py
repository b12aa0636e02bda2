"""Gateways for tests, pointed at an upstream given as environment values (the stand-in's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.settings import ENV_PREFIX, CoreSettings
from datagouv_mcp.upstream.settings import UpstreamSettings


def upstream_settings(env: Mapping[str, str], **overrides: Any) -> UpstreamSettings:
    """UpstreamSettings from DATAGOUV_MCP_* values (e.g. `Standin.env()`), plus overrides."""
    values: dict[str, Any] = {
        key.removeprefix(ENV_PREFIX).lower(): value
        for key, value in env.items()
        if key.startswith(ENV_PREFIX)
        and key.removeprefix(ENV_PREFIX).lower() in UpstreamSettings.model_fields
    }
    values.update(overrides)
    return UpstreamSettings(**values)


def gateway_for(
    env: Mapping[str, str],
    plugins: Sequence[str] | None = None,
    *,
    upstream: Mapping[str, Any] | None = None,
    **core: Any,
) -> Gateway:
    """A gateway with only `plugins` enabled (None: all installed), its upstream at `env`.

    Tests get quick retries by default; pass `upstream={...}` to change any upstream setting."""
    fast = {"max_attempts": 3, "call_budget_seconds": 10.0, **(upstream or {})}
    settings = CoreSettings(plugins=list(plugins) if plugins is not None else None, **core)
    return Gateway.build(settings, upstream=upstream_settings(env, **fast))
