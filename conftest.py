"""Shared by every test in the workspace."""

import os
from collections.abc import Iterator

import pytest

from datagouv_mcp.testing.redis import MISSING, redis_available, redis_server
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


@pytest.fixture(autouse=True, scope="session")
def _sql_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The SQL plugin's table cache and workers' files: never in the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATAGOUV_MCP_SQL_CACHE_DIR", str(tmp_path_factory.mktemp("sql-cache")))
        yield


@pytest.fixture(scope="session")
def redis_port() -> Iterator[int]:
    """A real `redis-server` on a free loopback port, for the tests of shared state; skipped
    without one locally, a failure in CI (`.ci/run` installs it)."""
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    with redis_server() as port:
        yield port
