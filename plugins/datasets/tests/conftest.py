"""Fixtures of the datasets tool tests (the shared stand-in comes from datagouv_mcp.testing)."""

import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import Standin


@pytest.fixture(scope="session")
def gateway(standin: Standin) -> Gateway:
    return gateway_for(standin.env(), plugins=["datasets"])
