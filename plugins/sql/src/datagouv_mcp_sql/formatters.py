"""Typed results to the text the model reads. Pure and bounded.

Titles, column names and values come from the catalogue or the file: one-line fields go
through `inline`, rows through the core's `table` (one line a row, cells cut and escaped), so
nothing in the data can fake a line of the tool's own output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from datagouv_mcp.text import cell, human_size, inline, table
from datagouv_mcp_sql.models import SqlResult, TableDescription, TableSource

Offers = Callable[[str], bool]


def _everything(tool: str) -> bool:
    return True


def _source(source: TableSource) -> str:
    what = (
        "the portal's Parquet export"
        if source.kind == "parquet"
        else "the resource's CSV file, converted to Parquet"
    )
    how = "cached" if source.cached else f"downloaded now, {human_size(source.bytes)}"
    return f"{what} ({how})"


def _named(title: str, resource_id: str) -> str:
    return f"'{inline(title, 120) or 'Untitled'}' (resource {resource_id})"


def format_result(result: SqlResult, cell_chars: int) -> str:
    names = [column.name for column in result.columns]
    count = f"{result.row_count:,}" if result.row_count is not None else "more"
    total = result.row_count if result.row_count is not None else 2
    plural = "row" if total == 1 else "rows"
    rows = f"{len(result.rows):,} of {count} {plural}" if result.truncated else f"{count} {plural}"
    lines = [
        f"SQL result on {_named(result.title, result.resource_id)}: {rows}, "
        f"{len(names)} column{'' if len(names) == 1 else 's'}, in {result.elapsed_ms:,.0f} ms.",
        f"Data: {_source(result.source)}.",
        "Columns: " + ", ".join(f"{inline(c.name, 60)} {c.type}" for c in result.columns),
    ]
    if result.rows:
        lines += table(names, result.rows, cell_chars)
    else:
        lines.append("No row matches.")
    if result.truncated:
        lines.append(
            f"Cut at max_rows={result.max_rows}: aggregate, filter or add LIMIT/OFFSET in the "
            "SQL to see the rest, or raise max_rows."
        )
    return "\n".join(lines)


def _examples(values: list[Any], cell_chars: int) -> str:
    shown = [cell(value, min(cell_chars, 40)) for value in values]
    return ", ".join(shown) if shown else "(no value in the first rows)"


def format_description(
    described: TableDescription, cell_chars: int, offers: Offers = _everything
) -> str:
    lines = [
        f"Table `data` of {_named(described.title, described.resource_id)}: "
        f"{described.row_count:,} rows, {len(described.columns)} columns.",
        f"Data: {_source(described.source)}.",
        "Columns (name, DuckDB type: a few values):",
    ]
    lines += [
        f"- {inline(column.name, 80)} {column.type}: {_examples(column.examples, cell_chars)}"
        for column in described.columns
    ]
    if offers("query_resource_sql"):
        first = described.columns[0].name if described.columns else "*"
        quoted = '"' + inline(first, 80).replace('"', '""') + '"'
        example = f"SELECT {quoted}, count(*) AS n FROM data GROUP BY 1 ORDER BY n DESC"  # noqa: S608 - text for the model
        lines.append(
            f"Next: query_resource_sql(resource_id='{described.resource_id}', sql='{example}') "
            'runs one SELECT; quote column names holding spaces or capitals with "double quotes".'
        )
    return "\n".join(lines)
