"""Reading the upstreams' error bodies (udata, flask-restx, Tabular, PostgREST): pure."""

from __future__ import annotations

import json
from typing import Any

from datagouv_mcp.text import clip

_MAX = 300


def _from_json(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if isinstance(errors, dict) and errors:
        # flask-restx argument errors: {"errors": {"sort": "... not a valid choice"}, ...}
        return "; ".join(f"{arg}: {text}" for arg, text in errors.items())
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        # Tabular / Metrics: {"errors": [{"title": ..., "detail": str | PostgREST object}]}
        first = errors[0]
        detail = first.get("detail")
        if isinstance(detail, dict):
            detail = detail.get("message") or json.dumps(detail)
        title = first.get("title")
        return ": ".join(str(part) for part in (title, detail) if part) or None
    for key in ("message", "error", "detail"):
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


def upstream_message(content: bytes | bytearray, content_type: str | None = None) -> str:
    """The upstream's own explanation of an error, shortened for the model."""
    text = content.decode("utf-8", errors="replace").strip()
    message: str | None = None
    if text.startswith(("{", "[")):
        try:
            message = _from_json(json.loads(text))
        except ValueError:
            message = None
    if message is None:
        message = text if text and not text.lstrip().startswith("<") else ""
    message = " ".join(message.split())
    # udata appends route suggestions ("... did you mean /api/...?") of no use to a model.
    message = message.split(" You have requested this URI", 1)[0]
    return clip(message, _MAX)
