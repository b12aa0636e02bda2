"""Tolerant readers of JSON values: a value of the wrong type reads as absent (None, empty).

udata bodies vary with the years, and recorded ones hold "[redacted]" where objects belong;
the parsers read every field through these, so no KeyError or TypeError can escape them.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def filled(value: Any) -> str | None:
    """A string with something in it, else None."""
    return value if isinstance(value, str) and value.strip() else None


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def count(value: Any) -> int | None:
    number = integer(value)
    return number if number is not None and number >= 0 else None


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def badges(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [kind for item in value if (kind := filled(obj(item).get("kind")))]


def vocabulary(value: Any) -> str | None:
    """A licence or frequency: an id string, or an object with an id (v2 full objects)."""
    if isinstance(value, dict):
        return filled(value.get("id"))
    return filled(value)


ID_MAX = 120
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:@+-]")


def identifier(value: Any) -> str | None:
    """An id or a slug: the characters ids are made of (letters, digits, `_ . : @ + -`), at
    most ID_MAX; anything else dropped; None when nothing is left."""
    if not isinstance(value, str):
        return None
    return _NOT_ID.sub("", value)[:ID_MAX] or None


_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


def timestamp(value: Any) -> str | None:
    """An ISO 8601 date or date-time (ASCII digits, a real calendar day), as given; None for
    anything else: a date field that does not hold a date is not printed as one (nor can it
    carry other text)."""
    text = filled(value)
    if text is None or len(text) > 40:
        return None
    text = text.strip()
    if not _ISO.fullmatch(text):
        return None
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return text
