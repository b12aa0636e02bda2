"""pytest fixtures for plugin tests: `pytest_plugins = ["datagouv_mcp.testing.fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from datagouv_mcp.testing.standin import Standin, running_standin


@pytest.fixture(scope="session")
def standin() -> Iterator[Standin]:
    """One stand-in of data.gouv.fr for the whole run (corpus plus 30 generated datasets)."""
    with running_standin(datasets=30) as running:
        yield running


@pytest.fixture
def upstream(standin: Standin) -> Standin:
    """The shared stand-in with its faults and request counts cleared for this test."""
    standin.reset()
    return standin
