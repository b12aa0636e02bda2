"""Fixtures of the resources tool tests (the shared stand-in comes from datagouv-mcp-standin)."""

from __future__ import annotations

from typing import Any

import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.clients import call_checked
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import Standin


@pytest.fixture(scope="session")
def gateway(standin: Standin) -> Gateway:
    return gateway_for(standin.env(), plugins=["resources"])


async def call(gateway: Gateway, tool: str, **arguments: Any) -> Any:
    return await call_checked(gateway, tool, arguments)
