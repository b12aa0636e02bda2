"""The server's Prometheus metrics (prometheus-client), and their exposition for GET /metrics.

The metrics are module-level, as prometheus-client intends: the call path, the core's event
sink and the upstream layer count into them, and any part of the core may set the gauges
(`redis_degraded`). Counting is always on and costs about a microsecond; the endpoint is
switched by `DATAGOUV_MCP_PROMETHEUS`.

Several processes (`serve --workers N`, or any processes started with one
`PROMETHEUS_MULTIPROC_DIR`) count into files of that directory, one set per process, and a
scrape of any of them adds them all up (prometheus-client's multiprocess mode). The directory
must exist and be empty when the first process starts: `shared_between_workers` prepares one.
"""

from __future__ import annotations

import glob
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder

from datagouv_mcp.version import __version__

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_DIR) or None


# No `<counter>_created` series: they double what is exposed and Prometheus has no use for them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

# Whether this process counts into a multiprocess directory is decided once, when
# prometheus-client is imported (above); so is where. A directory named but not made yet is
# made, or the first metric below would fail to open its file there.
SHARED_DIR = _multiprocess_dir()
if SHARED_DIR is not None:
    os.makedirs(SHARED_DIR, exist_ok=True)

_TOOL_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_UPSTREAM_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

BUILD_INFO = Gauge(
    "datagouv_mcp_build_info",
    "Always 1; the labels say which version of the server runs, on which Python.",
    ["version", "python"],
    multiprocess_mode="max",
)
BUILD_INFO.labels(__version__, platform.python_version()).set(1)

TOOL_CALLS = Counter(
    "datagouv_mcp_tool_calls",
    "Tool calls that ended, by tool and outcome (ok, error, crash).",
    ["tool", "outcome"],
)
TOOL_ERRORS = Counter(
    "datagouv_mcp_tool_errors",
    "Tool calls that ended in an error, by tool and error code (invalid_argument, ...).",
    ["tool", "code"],
)
TOOL_SECONDS = Histogram(
    "datagouv_mcp_tool_call_duration_seconds",
    "How long tool calls took, from their arguments' check to their answer.",
    ["tool"],
    buckets=_TOOL_SECONDS,
)
CALLS_IN_FLIGHT = Gauge(
    "datagouv_mcp_tool_calls_in_flight",
    "Tool calls running now.",
    multiprocess_mode="livesum",
)

UPSTREAM_REQUESTS = Counter(
    "datagouv_mcp_upstream_requests",
    "Requests sent upstream, by API (api, tabular, metrics, crawler, fetch) and HTTP status "
    "(or timeout, connection_error, too_large).",
    ["api", "status"],
)
UPSTREAM_SECONDS = Histogram(
    "datagouv_mcp_upstream_request_duration_seconds",
    "How long upstream requests took, body included, by API.",
    ["api"],
    buckets=_UPSTREAM_SECONDS,
)
UPSTREAM_RETRIES = Counter(
    "datagouv_mcp_upstream_retries",
    "Upstream requests sent again, by API and the reason (the HTTP status, or connection_error).",
    ["api", "reason"],
)
CACHE_LOOKUPS = Counter(
    "datagouv_mcp_cache_lookups",
    "Response cache lookups, by API and result (hit: a fresh answer kept; miss: asked upstream).",
    ["api", "result"],
)
STALE_ANSWERS = Counter(
    "datagouv_mcp_stale_answers",
    "Answers served from the cache past their freshness because the upstream failed, by API.",
    ["api"],
)
COALESCED_WAITS = Counter(
    "datagouv_mcp_coalesced_waits",
    "Requests that waited for an identical request in flight instead of sending their own, by API.",
    ["api"],
)
RATE_BUDGET_WAITS = Counter(
    "datagouv_mcp_rate_budget_waits",
    "Upstream requests that waited for the upstream's request-rate budget, by API.",
    ["api"],
)
RATE_BUDGET_WAIT_SECONDS = Counter(
    "datagouv_mcp_rate_budget_wait_seconds",
    "Time spent waiting for the upstream's request-rate budget, by API.",
    ["api"],
)
RATE_BUDGET_REFUSALS = Counter(
    "datagouv_mcp_rate_budget_refusals",
    "Upstream requests not sent: the rate budget had no room within the call's time budget.",
    ["api"],
)
REDIS_DEGRADED = Gauge(
    "datagouv_mcp_redis_degraded",
    "1 while this server works on local state because Redis does not answer, by component "
    "(cache, rate_budget, coalescing, client_limits); 0 once Redis answers again.",
    ["component"],
    multiprocess_mode="livemax",
)

MATOMO_EVENTS = Counter(
    "datagouv_mcp_matomo_events",
    "Tool-call events for Matomo, by result (sent; dropped: the queue was full; failed: "
    "Matomo did not take them, or the server stopped first).",
    ["result"],
)
MATOMO_QUEUE = Gauge(
    "datagouv_mcp_matomo_queue_length",
    "Tool-call events waiting to be sent to Matomo.",
    multiprocess_mode="livesum",
)


def redis_degraded(component: str, degraded: bool) -> None:
    """Say whether `component` (cache, rate_budget, ...) works on local state, Redis away."""
    REDIS_DEGRADED.labels(component).set(1 if degraded else 0)


def count_tool_call(tool: str, outcome: str, seconds: float, code: str | None) -> None:
    """Count one tool call that ended."""
    TOOL_CALLS.labels(tool, outcome).inc()
    TOOL_SECONDS.labels(tool).observe(seconds)
    if code is not None and outcome != "ok":
        TOOL_ERRORS.labels(tool, code).inc()


# -- exposition ---------------------------------------------------------------------------


def _forget_dead_processes(path: str) -> None:
    """Drop the live gauges of processes that are gone (a worker killed and replaced), so
    in-flight calls and degradation count only the living."""
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        pid = name.rsplit("_", 1)[-1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), path)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def render(accept: str | None) -> tuple[bytes, str]:
    """The metrics as Prometheus (or OpenMetrics, if `accept` asks) text, and its media type:
    this process's, or every process's of the multiprocess directory."""
    encoder, media_type = choose_encoder(accept or "")
    path = SHARED_DIR
    if path is None:
        return encoder(prometheus_client.REGISTRY), media_type
    _forget_dead_processes(path)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path)  # type: ignore[no-untyped-call]
    return encoder(registry), media_type


def process_stopping() -> None:
    """This process stops serving: its live gauges no longer count (multiprocess mode)."""
    path = SHARED_DIR
    if path is not None:
        multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


@contextmanager
def shared_between_workers(workers: int) -> Iterator[str | None]:
    """Around starting `workers` server processes: with more than one, they count into one
    multiprocess directory (PROMETHEUS_MULTIPROC_DIR if set, else a temporary one, removed
    afterwards), emptied first; yields it (None with one worker). Enter it before the workers
    start: they read the variable when they import prometheus-client."""
    if workers <= 1:
        yield None
        return
    given = _multiprocess_dir()
    path = given or tempfile.mkdtemp(prefix="datagouv-mcp-metrics-")
    os.makedirs(path, exist_ok=True)
    for name in glob.glob(os.path.join(path, "*.db")):
        os.remove(name)
    os.environ[MULTIPROC_DIR] = path
    try:
        yield path
    finally:
        if given is None:
            os.environ.pop(MULTIPROC_DIR, None)
            shutil.rmtree(path, ignore_errors=True)
