"""The core's own hook implementations, registered first under the name "core"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from datagouv_mcp import telemetry
from datagouv_mcp.hookspecs import hookimpl
from datagouv_mcp.version import __version__

if TYPE_CHECKING:
    from datagouv_mcp.specs import Event

__all__ = ["__version__"]


@hookimpl
def track_event(event: Event) -> None:
    telemetry.log_event(event)
