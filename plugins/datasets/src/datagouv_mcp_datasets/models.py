"""Typed records of the catalogue, and the structured content of each tool.

Frozen: a parsed record is a value. Field names are ours, chosen to read well in the
structured content; the parsers map the upstream's names onto them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from datagouv_mcp.fields import Identifier, Link, OptionalIdentifier, Timestamp


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


# -- building blocks ---------------------------------------------------------------------


class OrganizationRef(Frozen):
    id: OptionalIdentifier = None
    name: str = ""
    acronym: str | None = None
    slug: OptionalIdentifier = None
    url: Link = Field(None, description="The organization's page on the portal.")
    badges: list[str] = Field(default_factory=list)


class OwnerRef(Frozen):
    """A user who publishes a dataset without an organization."""

    id: OptionalIdentifier = None
    name: str = ""
    slug: OptionalIdentifier = None


class SpatialCoverage(Frozen):
    granularity: str | None = Field(None, description="e.g. fr:commune, country, poi, other.")
    zones: list[str] = Field(default_factory=list, description="e.g. country:fr, fr:region:93.")
    has_geometry: bool = False


class TemporalCoverage(Frozen):
    start: Timestamp = None
    end: Timestamp = None


class Quality(Frozen):
    score: float | None = Field(None, description="udata's metadata quality score, 0 to 1.")
    signals: dict[str, bool] = Field(
        default_factory=dict, description="Each quality criterion and whether it is met."
    )


class DatasetMetrics(Frozen):
    views: int | None = None
    downloads: int | None = Field(None, description="Downloads of the dataset's resources.")
    reuses: int | None = None
    followers: int | None = None
    discussions: int | None = None


class OrganizationMetrics(Frozen):
    datasets: int | None = None
    dataservices: int | None = None
    reuses: int | None = None
    followers: int | None = None
    views: int | None = None
    members: int | None = None


class SchemaRef(Frozen):
    name: str | None = None
    version: str | None = None
    url: Link = None


class FormatCount(Frozen):
    format: str
    count: int


class FacetBucket(Frozen):
    name: str
    count: int


# -- records -----------------------------------------------------------------------------


class Resource(Frozen):
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
    data_schema: SchemaRef | None = Field(None, description="The data schema it follows.")
    tabular_api: bool = Field(False, description="True when the Tabular API can query it.")
    available: bool | None = Field(None, description="The crawler's last availability check.")


class Dataset(Frozen):
    id: Identifier
    title: str = ""
    slug: OptionalIdentifier = None
    acronym: str | None = None
    url: Link = Field(None, description="The dataset's page on the portal.")
    description: str | None = None
    description_short: str | None = None
    organization: OrganizationRef | None = None
    owner: OwnerRef | None = None
    tags: list[str] = Field(default_factory=list)
    badges: list[str] = Field(default_factory=list)
    license: str | None = None
    frequency: str | None = None
    frequency_date: Timestamp = None
    spatial: SpatialCoverage | None = None
    temporal_coverage: TemporalCoverage | None = None
    created_at: Timestamp = None
    last_modified: Timestamp = None
    last_update: Timestamp = Field(None, description="Last modification of a resource.")
    archived: Timestamp = None
    deleted: Timestamp = None
    private: bool = False
    featured: bool | None = None
    access_type: str | None = None
    resources_count: int | None = None
    resource_formats: list[FormatCount] | None = Field(
        None, description="Resource formats and how many of each; null when not known."
    )
    community_resources_count: int | None = None
    quality: Quality | None = None
    metrics: DatasetMetrics | None = None


class Organization(Frozen):
    id: Identifier
    name: str = ""
    acronym: str | None = None
    slug: OptionalIdentifier = None
    url: Link = Field(None, description="The organization's page on the portal.")
    website: Link = None
    description: str | None = None
    badges: list[str] = Field(default_factory=list)
    business_number_id: str | None = Field(None, description="SIRET or SIREN.")
    created_at: Timestamp = None
    last_modified: Timestamp = None
    metrics: OrganizationMetrics | None = None


class Pagination(Frozen):
    page: int
    page_size: int
    total: int
    has_more: bool


class DatasetSearchPage(Frozen):
    datasets: list[Dataset]
    pagination: Pagination
    facets: dict[str, list[FacetBucket]] = Field(default_factory=dict)
    skipped: int = 0


class OrganizationSearchPage(Frozen):
    organizations: list[Organization]
    pagination: Pagination
    facets: dict[str, list[FacetBucket]] = Field(default_factory=dict)
    skipped: int = 0


class ResourcesPage(Frozen):
    resources: list[Resource]
    pagination: Pagination
    skipped: int = 0


# -- structured content of the tools -------------------------------------------------------


class Paged(Frozen):
    page: int
    page_size: int
    total: int
    has_more: bool
    next_page: int | None = Field(
        None, description="The page to ask for next, or null when there is none to reach."
    )


class SearchDatasetsResult(Paged):
    query: str = Field(description="The query as asked.")
    effective_query: str = Field(description="The query sent for these results.")
    dropped_words: list[str] = Field(
        default_factory=list,
        description="Generic words removed on a retry after the query as asked found nothing.",
    )
    filters: dict[str, str] = Field(default_factory=dict)
    datasets: list[Dataset]
    facets: dict[str, list[FacetBucket]] = Field(default_factory=dict)


class SearchOrganizationsResult(Paged):
    query: str
    filters: dict[str, str] = Field(default_factory=dict)
    organizations: list[Organization]
    facets: dict[str, list[FacetBucket]] = Field(default_factory=dict)


class DatasetResources(Paged):
    dataset_id: Identifier
    dataset_title: str
    dataset_slug: str | None = None
    dataset_url: Link = None
    filters: dict[str, str] = Field(default_factory=dict)
    resources: list[Resource]
