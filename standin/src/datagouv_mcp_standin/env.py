"""The environment a datagouv-mcp server needs to target a stand-in (pure, import-light)."""

from __future__ import annotations

ENV_PATHS = {
    "DATAGOUV_MCP_API_URL": "/api/",
    "DATAGOUV_MCP_SITE_URL": "/",
    "DATAGOUV_MCP_TABULAR_URL": "/tabular/api/",
    "DATAGOUV_MCP_METRICS_URL": "/metrics/api/",
    "DATAGOUV_MCP_CRAWLER_URL": "/crawler/api/",
}


def server_env(base_url: str, host: str) -> dict[str, str]:
    """Variables pointing a datagouv-mcp server at the stand-in at `base_url`."""
    env = {name: base_url.rstrip("/") + path for name, path in ENV_PATHS.items()}
    # Resource files are served by the stand-in itself, so the guarded fetch must allow it.
    env["DATAGOUV_MCP_FETCH_ALLOWED_HOSTS"] = host
    return env
