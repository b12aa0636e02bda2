"""Shared stand-ins for the stand-in's own tests (real HTTP on 127.0.0.1 only)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from datagouv_mcp_standin.testing import Standin, running_standin


@pytest.fixture(scope="session")
def standin() -> Iterator[Standin]:
    """The bundled corpus plus 300 generated datasets; tests must not leave faults behind."""
    with running_standin(datasets=300) as handle:
        yield handle


@pytest.fixture
def client(standin: Standin) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=standin.url, timeout=30.0) as http:
        yield http
