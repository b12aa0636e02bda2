"""The documents the Tabular API serves about a table: meta, csv-detective profile, swagger."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import yaml  # type: ignore[import-untyped]

from datagouv_mcp_standin.records import Json
from datagouv_mcp_standin.tables import Table

TABULAR = "https://tabular-api.data.gouv.fr/api"
CATEGORICAL_LIMIT = 25
TOPS = 10

# Operators the per-resource swagger advertises, by csv-detective type (api-tabular's table).
_COMPARE = ("less", "greater", "strictly_less", "strictly_greater")
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": ("exact", "differs", "isnull", "isnotnull", "contains", "notcontains", "in",
               "notin", *_COMPARE),
    "date": ("exact", "differs", "isnull", "isnotnull", "contains", "notcontains", "in",
             "notin", *_COMPARE),
    "datetime": ("exact", "differs", "isnull", "isnotnull", "contains", "notcontains", "in",
                 "notin", *_COMPARE),
    "int": ("exact", "differs", "isnull", "isnotnull", "in", "notin", *_COMPARE),
    "float": ("exact", "differs", "isnull", "isnotnull", "in", "notin", *_COMPARE),
    "bool": ("exact", "differs", "isnull", "isnotnull"),
    "json": ("isnull", "isnotnull"),
}  # fmt: skip
AGGREGATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "int": ("groupby", "count", "avg", "min", "max", "sum"),
    "float": ("groupby", "count", "avg", "min", "max", "sum"),
    "json": (),
}
_SWAGGER_TYPES = {"bool": "boolean", "int": "integer", "float": "number"}


def resource_url(rid: str, suffix: str = "") -> str:
    return f"{TABULAR}/resources/{rid}/{suffix}"


def meta_body(table: Table) -> Json:
    if table.recorded_meta is not None:
        return table.recorded_meta
    return {
        "created_at": table.created_at,
        "url": table.url,
        "links": [
            {"href": resource_url(table.rid, "profile/"), "type": "GET", "rel": "profile"},
            {"href": resource_url(table.rid, "data/"), "type": "GET", "rel": "data"},
            {"href": resource_url(table.rid, "swagger/"), "type": "GET", "rel": "swagger"},
        ],
    }


def profile_body(table: Table, indexes: set[str] | None) -> Json:
    if table.recorded_profile is not None:
        body = dict(table.recorded_profile)
    else:
        body = {
            "profile": compute_profile(table),
            "deleted_at": None,
            "dataset_id": table.dataset_id,
        }
    body["indexes"] = sorted(indexes) if indexes else None
    return body


def compute_profile(table: Table) -> Json:
    """A csv-detective-shaped profile computed from the table's rows."""
    rows = table.rows()
    detected = {
        c.name: {"format": c.format, "python_type": c.python_type, "score": 1.0}
        for c in table.columns
    }
    formats: dict[str, list[str]] = {}
    for column in table.columns:
        formats.setdefault(column.format, []).append(column.name)
    stats: dict[str, Any] = {}
    categorical = []
    for position, column in enumerate(table.columns, start=1):
        values = [row[position] for row in rows]
        present = [v for v in values if v is not None]
        counts = Counter(str(v) for v in present)
        column_stats: dict[str, Any] = {
            "tops": [{"count": n, "value": v} for v, n in counts.most_common(TOPS)],
            "nb_distinct": len(counts),
            "nb_missing_values": len(values) - len(present),
        }
        if column.python_type in ("int", "float") and present:
            mean = sum(present) / len(present)
            variance = sum((v - mean) ** 2 for v in present) / len(present)
            column_stats.update(
                {
                    "min": str(min(present)),
                    "max": str(max(present)),
                    "mean": mean,
                    "std": math.sqrt(variance),
                }
            )
        if len(counts) <= CATEGORICAL_LIMIT:
            categorical.append(column.name)
        stats[column.name] = column_stats
    return {
        "categorical": categorical,
        "columns": detected,
        "columns_fields": detected,
        "columns_labels": detected,
        "encoding": "utf-8",
        "formats": formats,
        "header": table.names,
        "header_row_idx": 0,
        "heading_columns": 0,
        "nb_duplicates": 0,
        "profile": stats,
        "separator": ",",
        "total_lines": len(rows),
        "trailing_columns": 0,
    }


def swagger_text(table: Table, aggregation_allowed: bool, indexes: set[str] | None) -> str:
    """The per-resource OpenAPI 3.0.3 document, as YAML text."""
    columns = [c for c in table.columns if not indexes or c.name in indexes]
    parameters: list[Json] = [
        _parameter("page", "Specific page (page=value)", "integer"),
        _parameter("page_size", "Number of results per page (page_size=value)", "integer"),
        _parameter("columns", "Columns to keep in the result (columns=column1,column3,...)"),
    ]
    for column in columns:
        name = column.name
        for op in OPERATORS_BY_TYPE.get(column.python_type, ()):
            flag = op in ("isnull", "isnotnull")
            usage = f"{name}__{op}" if flag else f"{name}__{op}=value"
            parameters.append(
                _parameter(f"{name}__{op}", f"{op} in column: {name} ({usage})", flag=flag)
            )
        if column.python_type != "json":
            parameters.append(
                _parameter(f"{name}__sort", f"Sort ascending or descending on column: {name}")
            )
        if aggregation_allowed:
            for op in AGGREGATORS_BY_TYPE.get(column.python_type, ("groupby", "count")):
                parameters.append(
                    _parameter(f"{name}__{op}", f"Performs `{op}` on column: {name}", flag=True)
                )
    properties = {c.name: {"type": _SWAGGER_TYPES.get(c.python_type, "string")} for c in columns}
    responses = {
        "200": {"description": "successful operation"},
        "400": {"description": "Invalid query string"},
        "404": {"description": "Resource not found"},
    }
    paths = {
        f"/api/resources/{table.rid}/data/{suffix}": {
            "get": {"summary": summary, "responses": responses},
            "parameters": parameters,
        }
        for suffix, summary in (
            ("", "Get resource data from its ID"),
            ("csv/", "Get resource data from its ID in CSV format"),
            ("json/", "Get resource data from its ID in JSON format"),
        )
    }
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "Tabular API",
            "description": "Retrieve data for a specified resource with optional filtering "
            "and sorting.",
            "version": "1.0.0",
        },
        "paths": paths,
        "components": {"schemas": {"Resource": {"type": "object", "properties": properties}}},
    }
    return str(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


def _parameter(name: str, description: str, kind: str = "string", flag: bool = False) -> Json:
    parameter: Json = {
        "name": name,
        "in": "query",
        "description": description,
        "required": False,
        "schema": {"type": "boolean" if flag else kind},
    }
    if flag:
        parameter["allowEmptyValue"] = True
    return parameter
