"""Metrics to text, in the official server's table shape. Pure."""

from __future__ import annotations

from datagouv_mcp import text
from datagouv_mcp_metrics.models import Month, Series, Totals

LABELS = {
    "dataset": "Dataset",
    "resource": "Resource",
    "organization": "Organization",
    "dataservice": "Dataservice",
}
# Columns shown per kind: (header, field).
COLUMNS = {
    "dataset": [("Visits", "visits"), ("Downloads", "downloads")],
    "resource": [("Downloads", "downloads")],
    "organization": [
        ("Dataset visits", "visits"),
        ("Downloads", "downloads"),
        ("Reuse visits", "reuse_visits"),
        ("API visits", "dataservice_visits"),
    ],
    "dataservice": [("Visits", "visits")],
}


def totals(months: list[Month]) -> Totals:
    sums: dict[str, int | None] = {}
    for field in Totals.model_fields:
        values = [getattr(m, field) for m in months if getattr(m, field) is not None]
        sums[field] = sum(values) if values else None
    return Totals(**sums)


def _cell(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def format_series(series: Series) -> str:
    label = LABELS[series.kind]
    header = f"{label} Metrics: {text.inline(series.title)}" if series.title else f"{label} Metrics"
    lines = [header, f"{label} ID: {series.id}", ""]
    if not series.months:
        lines.append(f"No metrics available for this {series.kind}.")
        return "\n".join(lines)
    columns = COLUMNS[series.kind]
    rule = "-" * (12 + 16 * len(columns))
    lines += ["Monthly Statistics:", rule]
    lines.append(f"{'Month':<12} " + " ".join(f"{name:<15}" for name, _ in columns))
    lines.append(rule)
    for month in series.months:
        cells = " ".join(f"{_cell(getattr(month, field)):<15}" for _, field in columns)
        lines.append(f"{month.month:<12} {cells}")
    lines.append(rule)
    cells = " ".join(f"{_cell(getattr(series.totals, field)):<15}" for _, field in columns)
    lines.append(f"{'Total':<12} {cells}")
    shown, available = len(series.months), series.months_available
    if available > shown:
        lines.append(
            f"\nShowing the {shown} most recent of {available} months; "
            f"call again with limit={available} for all of them."
        )
    return "\n".join(line.rstrip() for line in lines)


def format_result(blocks: list[Series], note: str | None) -> str:
    body = "\n\n\n".join(format_series(series) for series in blocks)
    return f"{body}\n\n{note}" if note else body
