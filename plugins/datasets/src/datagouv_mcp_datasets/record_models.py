"""The normalised dataset record: one shape per dataset, whatever answered, and the shapes of
the other outcomes (a lookup miss, a harvest). Its JSON Schema is published as
docs/dataset-record.schema.json (`python -m datagouv_mcp_datasets.record_models` writes it).

The portal records no producer apart from the publisher: `producer` is the organization
(or, for a dataset a user publishes, that user).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from datagouv_mcp.fields import Identifier, Link, OptionalIdentifier, Timestamp
from datagouv_mcp_datasets.models import SchemaRef


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class RecordOrganization(Frozen):
    name: str = ""
    acronym: str | None = None
    id: OptionalIdentifier = None
    slug: OptionalIdentifier = None
    badges: list[str] = Field(default_factory=list, description="e.g. public-service, certified.")
    page: Link = Field(None, description="The organization's page on the portal.")


class Producer(Frozen):
    """Who publishes the dataset: the portal records no separate producer."""

    kind: Literal["organization", "user"]
    name: str = ""
    id: OptionalIdentifier = None
    slug: OptionalIdentifier = None
    page: Link = None


class GeographicScope(Frozen):
    granularity: str | None = Field(None, description="e.g. fr:commune, country, poi, other.")
    zones: list[str] = Field(default_factory=list, description="e.g. country:fr, fr:region:93.")
    geom: dict[str, Any] | None = Field(None, description="A GeoJSON geometry, as published.")


class Period(Frozen):
    start: Timestamp = None
    end: Timestamp = None


class RecordResource(Frozen):
    id: Identifier
    title: str = ""
    description: str | None = None
    format: str | None = None
    type: str | None = Field(None, description="main, documentation, update, api, code, other.")
    filesize: int | None = Field(None, description="Bytes, when known.")
    mime: str | None = None
    url: Link = Field(None, description="The file's own URL.")
    latest: Link = Field(None, description="Permanent URL redirecting to the current file.")
    created_at: Timestamp = None
    last_modified: Timestamp = None
    data_schema: SchemaRef | None = Field(
        None, alias="schema", description="The data schema the file follows."
    )
    tabular_api_available: bool = Field(
        False, description="True when the Tabular API can query the file."
    )


class RecordMetadata(Frozen):
    id: Identifier
    slug: OptionalIdentifier = None
    uri: Link = Field(None, description="The record's API URL.")
    extras: dict[str, Any] = Field(default_factory=dict)
    harvest: dict[str, Any] | None = Field(
        None, description="Where the portal harvested the record from, when it did."
    )
    private: bool = False
    archived: Timestamp = Field(None, description="When the dataset was archived, if it was.")
    last_modified: Timestamp = Field(
        None, description="The record's own last change (what a harvest's --state compares)."
    )
    last_update: Timestamp = Field(None, description="The last change of any of its files.")
    upstream_errors: list[str] = Field(
        default_factory=list,
        description="What failed upstream when the record is partial (extraction_partial).",
    )


class RelatedDataset(Frozen):
    id: Identifier
    title: str = ""
    slug: OptionalIdentifier = None
    url: Link = None


class QualitySignals(Frozen):
    score: float | None = Field(None, description="udata's metadata quality score, 0 to 1.")
    all_resources_available: bool | None = None
    has_open_format: bool | None = None
    has_resources: bool | None = None
    license: bool | None = None
    spatial: bool | None = None
    temporal_coverage: bool | None = None
    update_frequency: bool | None = None
    update_fulfilled_in_time: bool | None = None
    dataset_description_quality: bool | None = None
    resources_documentation: bool | None = None
    views: int | None = None
    downloads: int | None = Field(None, description="Downloads of the dataset's files.")
    reuses: int | None = None
    followers: int | None = None


class DatasetRecord(Frozen):
    """One dataset of data.gouv.fr, normalised."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, title="DatasetRecord")

    title: str = ""
    description: str | None = Field(None, description="The whole description, in markdown.")
    url: Link = Field(None, description="The dataset's page on the portal.")
    organization: RecordOrganization | None = None
    producer: Producer | None = Field(
        None,
        description="The publisher: the organization, or the user who publishes the dataset "
        "(the portal records no separate producer).",
    )
    tags: list[str] = Field(default_factory=list)
    categories: list[str] = Field(
        default_factory=list, description="The portal's topics or themes, when the record has them."
    )
    license: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = Field(
        None, description="The last change of its files (last_update), else of the record."
    )
    frequency: str | None = Field(None, description="e.g. daily, monthly, annual, irregular.")
    geographic_scope: GeographicScope | None = None
    temporal_coverage: Period | None = None
    resources: list[RecordResource] = Field(default_factory=list)
    file_urls: list[str] = Field(
        default_factory=list, description="The URLs of the files (not of APIs or map services)."
    )
    api_endpoints: list[str] = Field(
        default_factory=list,
        description="Each resource's permanent URL, the URLs of api, wms and wfs resources, and "
        "the base URLs of the dataservices that list the dataset.",
    )
    formats: list[str] = Field(
        default_factory=list, description="Resource formats, lower-case, most frequent first."
    )
    metadata: RecordMetadata
    related_datasets: list[RelatedDataset] = Field(
        default_factory=list, description="A few other datasets of the same organization."
    )
    quality_signals: QualitySignals = Field(default_factory=QualitySignals)
    extraction_date: str = Field(description="When the record was built (ISO 8601, UTC).")
    raw_source_url: str = Field(description="The API URL the record was built from.")
    extraction_partial: bool = Field(
        False, description="True when some of it could not be fetched: see metadata."
    )


class DatasetMiss(Frozen):
    """A dataset the portal does not have (any more)."""

    model_config = ConfigDict(frozen=True, title="DatasetMiss")

    dataset_id: str
    error: Literal["not_found"] = "not_found"
    extraction_date: str


class HarvestResult(Frozen):
    """The records of a search's first datasets (harvest_datasets)."""

    query: str
    total_results: int = Field(description="How many datasets the search finds in all.")
    results: list[DatasetRecord | DatasetMiss]
    extraction_date: str


def record_schema() -> dict[str, Any]:
    """The JSON Schema of a record line, as docs/dataset-record.schema.json publishes it."""
    schema = DatasetRecord.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/datagouv-mcp/docs/dataset-record.schema.json",
        **schema,
    }


def record_schema_text() -> str:
    return json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(record_schema_text(), end="")
