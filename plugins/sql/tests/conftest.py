"""Fixtures of the SQL tool tests (the shared stand-in comes from datagouv-mcp-standin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.clients import call_checked
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import Standin

# Small limits, so the sandbox tests reach them quickly.
LIMITS = {
    "DATAGOUV_MCP_SQL_TIMEOUT_SECONDS": "2",
    "DATAGOUV_MCP_SQL_MEMORY_LIMIT_MB": "128",
    "DATAGOUV_MCP_SQL_TEMP_MAX_MB": "64",
    "DATAGOUV_MCP_SQL_WORKER_ADDRESS_SPACE_MB": "2048",
}


def sql_gateway(standin: Standin, cache: Path, **settings: str) -> Gateway:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**LIMITS, "DATAGOUV_MCP_SQL_CACHE_DIR": str(cache), **settings}.items():
            patch.setenv(name, value)
        return gateway_for(standin.env(), plugins=["sql", "resources", "datasets"])


@pytest.fixture(scope="session")
def sql_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sql-tables")


@pytest.fixture(scope="session")
def gateway(standin: Standin, sql_cache: Path) -> Gateway:
    return sql_gateway(standin, sql_cache)


async def call(gateway: Gateway, tool: str, **arguments: Any) -> Any:
    return await call_checked(gateway, tool, arguments)
