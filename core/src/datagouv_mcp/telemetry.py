"""Logging (structlog), Sentry, and the core's own telemetry sinks (registered by
core_plugin as `track_event` implementations, like any plugin's sink)."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from datagouv_mcp.settings import TelemetrySettings
from datagouv_mcp.specs import Event

log = structlog.get_logger("datagouv_mcp")

_sentry_enabled = False


def configure_logging(settings: TelemetrySettings, at_least: int = logging.NOTSET) -> None:
    """Every log line, ours and the libraries', goes to stderr: JSON lines unless on a terminal.
    `at_least`: a floor over the configured level (commands whose output is the point log
    only warnings unless asked).

    stderr, never stdout: the stdio transport owns stdout.
    """
    as_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.getLevelName(settings.log_level), at_least))
    # The SDK's HTTP stack and uvicorn's access log speak at INFO on every request; uvicorn's
    # start-up lines give way to the one line `serve` prints.
    for noisy in (
        "httpx",
        "httpx2",
        "httpcore",
        "httpcore2",
        "uvicorn.access",
        "uvicorn.error",
        "mcp",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def init_sentry(settings: TelemetrySettings, release: str) -> bool:
    """Start Sentry only when a DSN is configured; tool arguments are never sent."""
    global _sentry_enabled
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.atexit import AtexitIntegration
    from sentry_sdk.integrations.dedupe import DedupeIntegration
    from sentry_sdk.integrations.excepthook import ExcepthookIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        release=f"datagouv-mcp@{release}",
        environment=settings.sentry_environment,
        sample_rate=settings.sentry_sample_rate,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        send_default_pii=False,
        # Frame locals and request bodies would carry the users' queries.
        include_local_variables=False,
        max_request_body_size="never",
        # Only what we capture ourselves, plus crashes of the process. The automatic
        # integrations record tool arguments (MCP), upstream URLs with search queries (httpx,
        # stdlib), log lines and the command line (`call` carries arguments): user data.
        default_integrations=False,
        auto_enabling_integrations=False,
        integrations=[AtexitIntegration(), DedupeIntegration(), ExcepthookIntegration()],
    )
    _sentry_enabled = True
    return True


def report_incident(event: Event) -> None:
    """The Sentry sink: a tool's crash goes to Sentry, tagged with its incident id and tool."""
    if not _sentry_enabled or event.outcome != "crash" or event.error is None:
        return
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("incident_id", event.incident_id)
        scope.set_tag("tool", event.tool)
        sentry_sdk.capture_exception(event.error)


def log_event(event: Event) -> None:
    """The core's sink: one log line per event; arguments only at debug level."""
    fields: dict[str, Any] = {
        key: value
        for key, value in (
            ("plugin", event.plugin),
            ("tool", event.tool),
            ("outcome", event.outcome),
            ("duration_ms", event.duration_ms),
            ("incident_id", event.incident_id),
            ("error_code", event.error_code),
        )
        if value is not None
    }
    fields.update(event.fields)
    # `serve` names the plugins in its start line: a line per plugin is for debugging.
    level = (
        logging.WARNING
        if event.outcome == "crash"
        else logging.DEBUG
        if event.name == "plugin.loaded"
        else logging.INFO
    )
    log.log(level, event.name, **fields)
    # Asked of the stdlib logger: a structlog logger that was never configured cannot say.
    if event.arguments is not None and logging.getLogger("datagouv_mcp").isEnabledFor(
        logging.DEBUG
    ):
        log.debug(f"{event.name}.arguments", tool=event.tool, arguments=dict(event.arguments))
