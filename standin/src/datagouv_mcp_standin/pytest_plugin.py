"""pytest fixtures of the stand-in, registered as a pytest plugin (entry point `pytest11`):
every test run with `datagouv-mcp-standin` installed has them, as datasette ships its own.

- `standin`: one stand-in of data.gouv.fr for the whole run (the bundled corpus plus 30
  generated datasets), on a free loopback port;
- `upstream`: the same stand-in with its faults and request counts cleared for this test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from datagouv_mcp_standin.testing import Standin, running_standin


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
