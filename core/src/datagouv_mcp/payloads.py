"""JSON payloads bounded in size, with catalogue text that cannot pass for the tool's fences:
structured content and resource contents, as the last line of defence after each tool's own
bounds.

`bound(value, max_bytes)` cuts the longest strings first (to shrinking lengths, marked `…`),
then the longest lists (keeping their first items), until the JSON fits, and says what it
cut; `neutralised(value)` writes `‹catalogue_text` for any `<catalogue_text` tag in a
string, as `datagouv_mcp.text` does for the text.
"""

from __future__ import annotations

import json
from typing import Any

from datagouv_mcp.text import MARK, bounded, neutralise

STRING_STEPS = (20_000, 5_000, 1_000, 200, 40)
LIST_STEPS = (200, 50, 10, 3, 1)


def size(value: Any) -> int:
    """Bytes of the value as compact UTF-8 JSON."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())


def _strings(value: Any, most: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= most else value[: most - 1] + MARK
    if isinstance(value, dict):
        return {key: _strings(item, most) for key, item in value.items()}
    if isinstance(value, list):
        return [_strings(item, most) for item in value]
    return value


def _lists(value: Any, most: int) -> Any:
    if isinstance(value, dict):
        return {key: _lists(item, most) for key, item in value.items()}
    if isinstance(value, list):
        return [_lists(item, most) for item in value[:most]]
    return value


def bound(value: Any, max_bytes: int) -> tuple[Any, list[str]]:
    """(the value within `max_bytes` of JSON, what was cut: e.g. ["strings cut to 1000
    characters", "lists cut to 10 items"]; nothing when it already fits)."""
    cuts: list[str] = []
    for most in STRING_STEPS:
        if size(value) <= max_bytes:
            return value, cuts
        value = _strings(value, most)
        cuts = [f"strings cut to {most:,} characters"]
    for most in LIST_STEPS:
        if size(value) <= max_bytes:
            return value, cuts
        value = _lists(value, most)
        cuts = [cuts[0], f"lists cut to {most:,} item{'s' if most > 1 else ''}"]
    return value, cuts


def neutralised(value: Any) -> Any:
    """The value with every string's `<catalogue_text` tags defused and control characters
    (but line breaks and tabs) removed."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dict):
        return {neutralise(str(key)): neutralised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [neutralised(item) for item in value]
    return value


def bounded_text(text: str, max_bytes: int) -> str:
    """Text within `max_bytes` of UTF-8, cut at a line break and saying so
    (`datagouv_mcp.text.bounded`)."""
    encoded = len(text.encode())
    if encoded <= max_bytes:
        return text
    # Characters that fit, at this text's own bytes per character, with room for the note.
    chars = max(1_000, int(len(text) * (max_bytes - 200) / encoded))
    return bounded(text, chars)
