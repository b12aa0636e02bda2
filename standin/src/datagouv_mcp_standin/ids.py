"""Deterministic ids: 24-hex ObjectIds and UUIDs that look random but never collide."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

# Generated dates are relative to the corpus recording date, not the wall clock, so the
# generated catalogue (and `last_update_range` filters over it) is identical on every run.
REFERENCE_NOW = datetime(2026, 9, 3, 12, 0, 0, tzinfo=UTC)

_MASK64 = (1 << 64) - 1


def mix(value: int) -> int:
    """A bijective 64-bit scramble (splitmix64 finaliser): distinct inputs, distinct outputs."""
    z = (value + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def object_id(created: datetime, salt: int, index: int) -> str:
    """An ObjectId-like id: creation timestamp, then a scramble unique per (salt, index)."""
    return f"{int(created.timestamp()) & 0xFFFFFFFF:08x}{mix(salt << 40 | index):016x}"


def iso(moment: datetime) -> str:
    """udata's timestamp format: `2024-09-01T06:41:23.766000+00:00`."""
    return moment.isoformat(timespec="microseconds")


def days_before_reference(days: int, seconds: int = 0) -> datetime:
    return REFERENCE_NOW - timedelta(days=days, seconds=seconds)


def generated_resource_id(dataset_index: int, position: int) -> str:
    """A UUID whose last group encodes (dataset index, position), so lookups need no table."""
    h = f"{mix(dataset_index << 12 | position):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[12:15]}-a{h[1:4]}-{dataset_index:09x}{position:03x}"


def decode_generated_resource_id(rid: str) -> tuple[int, int] | None:
    """(dataset index, position) if `rid` has the shape of a generated resource id."""
    last = rid.rsplit("-", 1)[-1]
    if len(last) != 12:
        return None
    try:
        index, position = int(last[:9], 16), int(last[9:], 16)
    except ValueError:
        return None
    return (index, position) if generated_resource_id(index, position) == rid else None


def filler_resource_id(dataset_id: str, position: int) -> str:
    """A UUID for a resource the stand-in adds to a recorded dataset (see `fillers`)."""
    digest = hashlib.md5(dataset_id.encode(), usedforsecurity=False).hexdigest()
    h = f"{mix(int(digest[:12], 16) ^ position << 48):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[12:15]}-b{h[1:4]}-{digest[12:20]}{position:04x}"
