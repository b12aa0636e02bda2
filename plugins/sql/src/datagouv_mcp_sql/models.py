"""What the SQL tools return (structured content), and the resource facts they read."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from datagouv_mcp.fields import Identifier, Link, OptionalIdentifier, Timestamp


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SqlResource(Frozen):
    """The facts of a resource record the SQL tools need."""

    id: Identifier
    title: str = ""
    format: str | None = None
    url: Link = None
    filesize: int | None = None
    last_modified: Timestamp = None
    parquet_url: Link = Field(None, description="hydra's Parquet export, when published.")
    parsing_table: str | None = None
    dataset_id: OptionalIdentifier = None


class TableSource(Frozen):
    kind: Literal["parquet", "csv"] = Field(
        description="parquet: the portal's Parquet export; csv: the resource's CSV file, "
        "converted to Parquet once."
    )
    url: str = Field(description="Where the data was downloaded from.")
    bytes: int = Field(description="Size of the table as kept (Parquet).")
    cached: bool = Field(description="True when no download was needed.")


class SqlColumn(Frozen):
    name: str
    type: str = Field(description="DuckDB's type, e.g. VARCHAR, BIGINT, DOUBLE, DATE.")


class SqlResult(Frozen):
    resource_id: str
    title: str
    sql: str
    columns: list[SqlColumn]
    rows: list[dict[str, Any]] = Field(description="The rows, typed; strings cut at VALUE_CHARS.")
    row_count: int | None = Field(
        description="Rows the query gives in all (null when they could not be counted in time)."
    )
    truncated: bool = Field(description="True when rows holds fewer rows than row_count.")
    max_rows: int
    elapsed_ms: float = Field(description="Time DuckDB took, in milliseconds.")
    source: TableSource


class DescribedColumn(Frozen):
    name: str
    type: str
    examples: list[Any] = Field(default_factory=list, description="A few values seen.")


class TableDescription(Frozen):
    resource_id: str
    title: str
    row_count: int
    columns: list[DescribedColumn]
    source: TableSource
