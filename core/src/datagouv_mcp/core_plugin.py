"""The core's own hook implementations, registered first under the name "core" (which cannot
be switched off): its telemetry sinks, the log line and Sentry, are `track_event`
implementations like any plugin's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from datagouv_mcp import telemetry
from datagouv_mcp.hookspecs import hookimpl

if TYPE_CHECKING:
    from datagouv_mcp.specs import Event


@hookimpl
def track_event(event: Event) -> None:
    telemetry.log_event(event)
    telemetry.report_incident(event)
