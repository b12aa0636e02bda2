"""Fault injection: what to break, on which routes, how often, and for how many requests."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = (
    "latency",
    "status",
    "retry_after",
    "hang",
    "reset",
    "malformed_json",
    "endless_body",
    "slow_body",
)
_FIELDS = {
    "route", "kind", "status", "rate", "latency_ms", "jitter_ms", "retry_after", "times",
    "chunk_bytes",
}  # fmt: skip


class FaultError(ValueError):
    """A fault description that cannot be used; the message says why."""


@dataclass
class Fault:
    """One fault. `times` (when set) counts down each time the fault fires, then it expires."""

    kind: str
    route: str = "*"
    status: int | None = None
    rate: float = 1.0
    latency_ms: int = 200
    jitter_ms: int = 0
    retry_after: int | None = None
    times: int | None = None
    chunk_bytes: int = 64
    id: int = 0
    fired: int = field(default=0)

    def http_status(self) -> int:
        if self.status is not None:
            return self.status
        return 429 if self.kind == "retry_after" else 503

    def retry_after_header(self) -> str | None:
        if self.kind == "retry_after":
            return str(self.retry_after if self.retry_after is not None else 1)
        return None if self.retry_after is None else str(self.retry_after)

    def describe(self) -> dict[str, Any]:
        return asdict(self)


def parse_fault(raw: Any) -> Fault:
    """A Fault from its JSON object; raise FaultError on unknown keys or bad values."""
    if not isinstance(raw, dict):
        raise FaultError('a fault is a JSON object such as {"kind": "status", "status": 503}')
    unknown = set(raw) - _FIELDS
    if unknown:
        raise FaultError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
    kind = raw.get("kind")
    if kind not in FAULT_KINDS:
        raise FaultError(f"kind must be one of {', '.join(FAULT_KINDS)}; got {kind!r}")
    fault = Fault(kind=str(kind))
    try:
        fault.route = str(raw.get("route", "*"))
        if raw.get("status") is not None:
            fault.status = int(raw["status"])
        fault.rate = float(raw.get("rate", 1.0))
        fault.latency_ms = int(raw.get("latency_ms", 200))
        fault.jitter_ms = int(raw.get("jitter_ms", 0))
        if raw.get("retry_after") is not None:
            fault.retry_after = int(raw["retry_after"])
        if raw.get("times") is not None:
            fault.times = int(raw["times"])
        fault.chunk_bytes = int(raw.get("chunk_bytes", 64))
    except (TypeError, ValueError) as exc:
        raise FaultError(f"bad fault value: {exc}") from None
    if not 0.0 <= fault.rate <= 1.0:
        raise FaultError("rate must be between 0 and 1")
    if fault.times is not None and fault.times < 1:
        raise FaultError("times must be at least 1 (or null for no limit)")
    if fault.latency_ms < 0 or fault.jitter_ms < 0 or fault.chunk_bytes < 1:
        raise FaultError("latency_ms and jitter_ms must be >= 0, chunk_bytes >= 1")
    if fault.status is not None and not 100 <= fault.status <= 599:
        raise FaultError("status must be an HTTP status code")
    return fault


@dataclass(frozen=True)
class Decision:
    """What to do to one request: sleep this long, then apply `fault` (if any)."""

    delay_s: float
    fault: Fault | None


class FaultRegistry:
    """Active faults, consulted for every non-admin request, with a seeded RNG for `rate`."""

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - reproducible fault rolls
        self._faults: list[Fault] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rng = random.Random(self._seed)  # noqa: S311

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults]

    def decide(self, path: str) -> Decision:
        """Roll every fault matching `path`: latencies add up; the first other kind wins."""
        delay = 0.0
        chosen: Fault | None = None
        with self._lock:
            for fault in list(self._faults):
                if not fnmatch.fnmatchcase(path, fault.route):
                    continue
                if fault.kind != "latency" and chosen is not None:
                    continue
                if self._rng.random() >= fault.rate:
                    continue
                self._fire(fault)
                if fault.kind == "latency":
                    jitter = self._rng.uniform(-fault.jitter_ms, fault.jitter_ms)
                    delay += max(0.0, fault.latency_ms + jitter) / 1000
                else:
                    chosen = fault
        return Decision(delay, chosen)

    def _fire(self, fault: Fault) -> None:
        fault.fired += 1
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
