"""Shared by every test in the workspace."""

from collections.abc import Iterator

import pytest

from datagouv_mcp.testing.servers import OFFLINE_UPSTREAM


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True, scope="session")
def _no_internet_by_default() -> Iterator[None]:
    """Upstreams default to a closed loopback port: a test must point them at the stand-in."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in OFFLINE_UPSTREAM.items():
            patch.setenv(name, value)
        yield
