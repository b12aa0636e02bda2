"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from datagouv_mcp.errors import ToolError
from datagouv_mcp.text import clip

log = structlog.get_logger("datagouv_mcp.health")

if TYPE_CHECKING:
    from datagouv_mcp.gateway import Contribution, Gateway

_MAX_DETAIL = 300


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat()


def liveness(version: str) -> dict[str, str]:
    """GET /health: answers at once and touches nothing upstream."""
    return {"status": "ok", "timestamp": utc_now_iso(), "version": version}


@dataclass(frozen=True)
class CheckResult:
    name: str
    plugin: str
    ok: bool
    duration_ms: float
    detail: str | None = None
    required: bool = True


def verdict(results: list[CheckResult]) -> str:
    """`ready`; `degraded` when only checks that are not required fail; else `not_ready`."""
    if all(result.ok or not result.required for result in results):
        return "ready" if all(result.ok for result in results) else "degraded"
    return "not_ready"


class Readiness:
    """Runs every plugin's probes concurrently within a time budget; caches the verdict briefly,
    so a load balancer polling several times a second costs the upstreams nothing."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._lock = asyncio.Lock()
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def report(self) -> dict[str, Any]:
        async with self._lock:
            ttl = self.gateway.settings.readiness_cache_seconds
            if self._cached is not None and time.monotonic() - self._cached[0] < ttl:
                return self._cached[1]
            results = await asyncio.gather(*(self._run(c) for c in self.gateway.health_checks))
            report = {
                "status": verdict(results),
                "timestamp": utc_now_iso(),
                "version": self.gateway.version,
                "checks": [asdict(r) for r in results],
            }
            self._cached = (time.monotonic(), report)
            return report

    async def _run(self, contribution: Contribution) -> CheckResult:
        check = contribution.spec
        budget = self.gateway.settings.readiness_timeout_seconds
        started = time.perf_counter()
        detail: str | None
        try:
            detail = await asyncio.wait_for(check.probe(), timeout=budget)
        except TimeoutError:
            detail = f"no answer within {budget:g} s"
        except ToolError as exc:  # an upstream error: its message says it for the operator
            detail = exc.message
        except Exception:  # a probe's own bug: the log has it; the report, only that
            log.exception("health.probe_crashed", check=check.name)
            detail = "the probe failed (the server's log says why)"
        elapsed = round((time.perf_counter() - started) * 1000, 3)
        if detail is not None:
            detail = clip(detail, _MAX_DETAIL)
        ok = detail is None
        return CheckResult(check.name, contribution.plugin, ok, elapsed, detail, check.required)
