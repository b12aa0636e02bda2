"""Typed resource records and tabular facts, and each tool's structured content. Frozen."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from datagouv_mcp.fields import Identifier, Link, OptionalIdentifier, Timestamp


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


# -- records -----------------------------------------------------------------------------


class Checksum(Frozen):
    type: str | None = None
    value: str


class SchemaRef(Frozen):
    name: str | None = None
    version: str | None = None
    url: Link = None


class Resource(Frozen):
    """A resource as udata describes it, with the facts the crawler wrote in its extras."""

    id: Identifier
    title: str = ""
    description: str | None = None
    format: str | None = None
    filesize: int | None = Field(None, description="Bytes, when known.")
    mime: str | None = None
    type: str | None = Field(None, description="main, documentation, update, api, code, other.")
    filetype: str | None = Field(None, description="file (hosted) or remote.")
    url: Link = Field(None, description="The file's own URL.")
    latest_url: Link = Field(
        None, description="Permanent URL that redirects to the latest version of the file."
    )
    created_at: Timestamp = None
    last_modified: Timestamp = None
    checksum: Checksum | None = None
    data_schema: SchemaRef | None = Field(None, description="The data schema it follows.")
    dataset_id: OptionalIdentifier = None
    parsing_table: str | None = Field(
        None, description="The Tabular API's table (set once the crawler parsed the file)."
    )
    parsing_error: str | None = None
    parquet_url: Link = Field(None, description="A Parquet export, when published.")
    available: bool | None = Field(None, description="The crawler's last availability check.")


class DatasetRef(Frozen):
    id: Identifier
    title: str = ""
    slug: OptionalIdentifier = None
    url: Link = None


class Column(Frozen):
    name: str
    type: str | None = Field(
        None, description="csv-detective's python type: string, int, float, bool, date, ..."
    )
    format: str | None = Field(
        None,
        description="What the values look like (code_commune, siret, code_postal, date...): "
        "the column to filter or join on.",
    )


class Profile(Frozen):
    columns: list[Column]
    rows: int | None = Field(None, description="Rows in the table (csv-detective's count).")
    indexes: list[str] | None = None
    encoding: str | None = None
    separator: str | None = None


class TabularPolicy(Frozen):
    """What the Tabular API allows, from its aggregation exceptions and the crawler's list."""

    aggregation_for_all: bool = False
    aggregation_ids: frozenset[str] = frozenset()
    # Resources loaded whatever their size, and for each the indexed columns (None: none).
    exceptions: dict[str, tuple[str, ...] | None] = Field(default_factory=dict)

    def aggregation_allowed(self, resource_id: str) -> bool:
        return self.aggregation_for_all or resource_id in self.aggregation_ids


class RowsPage(Frozen):
    rows: list[dict[str, Any]]
    total: int | None
    has_next: bool


# -- structured content of the tools -----------------------------------------------------


class TabularInfo(Frozen):
    available: bool = Field(description="True when query_resource_data can query it.")
    reason: str = Field(description="Why it can or cannot be queried.")
    columns: list[Column] = Field(default_factory=list)
    rows: int | None = None
    indexed_columns: list[str] | None = Field(
        None, description="When set, aggregates may only use these columns."
    )
    aggregation_allowed: bool = False
    crawler_exception: bool = Field(
        False, description="Loaded although over the size limits (the crawler's exceptions)."
    )


class ResourceInfo(Frozen):
    resource: Resource
    dataset: DatasetRef | None = None
    tabular: TabularInfo


class AppliedFilter(Frozen):
    column: str
    operator: str
    value: Any = None


class QueryResult(Frozen):
    resource_id: str
    page: int
    page_size: int
    total: int | None = Field(description="Rows matching the filters; null for aggregates.")
    has_more: bool
    next_page: int | None = None
    columns: list[str]
    rows: list[dict[str, Any]] = Field(description="The Tabular API's rows, typed.")
    filters: list[AppliedFilter] = Field(default_factory=list)
    sort: str | None = None
    group_by: list[str] = Field(default_factory=list)
    aggregates: list[str] = Field(default_factory=list)


StopReason = Literal["max_rows", "end_of_file", "byte_cap", "time_cap"]


class DownloadResult(Frozen):
    resource_id: str
    title: str = ""
    url: str
    format: str = Field(description="How the file was read: csv, csv.gz, json, jsonl, ...")
    columns: list[str]
    rows: list[dict[str, Any]]
    offset: int = Field(description="Rows skipped before the first one returned.")
    stopped_by: StopReason
    more: bool | None = Field(
        description="True when rows follow, false at the end, null when a cap stopped the read."
    )
    next_offset: int | None = None
    bytes_read: int
    file_size: int | None = None
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="encoding, delimiter, sheet and sheets, member and members, ...",
    )
