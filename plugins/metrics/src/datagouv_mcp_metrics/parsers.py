"""Metrics API JSON to typed months. Pure; raises MetricsParseError and nothing else."""

from __future__ import annotations

import re
from typing import Any

from datagouv_mcp.errors import ParseError
from datagouv_mcp_metrics.models import Kind, Month, Page

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# Which upstream column feeds which field, per model.
COLUMNS: dict[Kind, dict[str, str]] = {
    "dataset": {"visits": "monthly_visit", "downloads": "monthly_download_resource"},
    "resource": {"downloads": "monthly_download_resource"},
    "organization": {
        "visits": "monthly_visit_dataset",
        "downloads": "monthly_download_resource",
        "reuse_visits": "monthly_visit_reuse",
        "dataservice_visits": "monthly_visit_dataservice",
    },
    "dataservice": {"visits": "monthly_visit"},
}


class MetricsParseError(ParseError):
    """The Metrics API answered something that is not a metrics page."""

    source = "The Metrics API"


def _count(row: dict[str, Any], column: str) -> int | None:
    value = row.get(column)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise MetricsParseError(f"{column} is not a count: {value!r}")
    return int(value)


def parse_month(kind: Kind, row: object) -> Month:
    if not isinstance(row, dict):
        raise MetricsParseError(f"a row is not an object: {type(row).__name__}")
    month = row.get("metric_month")
    if not isinstance(month, str) or not MONTH.match(month):
        raise MetricsParseError(f"metric_month is not YYYY-MM: {month!r}")
    counts = {field: _count(row, column) for field, column in COLUMNS[kind].items()}
    return Month(month=month, **counts)


def parse_page(kind: Kind, payload: object) -> Page:
    """A page of `/api/{model}/data/`: its months and the total number of rows for the id."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise MetricsParseError("no data array in the answer")
    meta = payload.get("meta")
    total = meta.get("total") if isinstance(meta, dict) else None
    months = tuple(parse_month(kind, row) for row in payload["data"])
    if isinstance(total, bool) or not isinstance(total, int):
        total = len(months)
    return Page(months=months, total=max(total, len(months)))


def parse_title(payload: object) -> str | None:
    """The title (dataset, dataservice), name (organization) or resource title of a record."""
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("resource"), dict):
        payload = payload["resource"]
        assert isinstance(payload, dict)
    for key in ("title", "name"):
        if isinstance(payload.get(key), str) and payload[key].strip():
            return str(payload[key])
    return None


def parse_id(payload: object) -> str | None:
    """The canonical id of a record (a slug resolves to it)."""
    if isinstance(payload, dict) and isinstance(payload.get("id"), str):
        return str(payload["id"])
    return None
