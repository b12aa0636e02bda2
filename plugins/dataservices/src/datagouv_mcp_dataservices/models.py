"""Typed dataservices, API summaries, and each tool's structured content. Frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from datagouv_mcp.fields import Identifier, Link, OptionalIdentifier, Timestamp


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrganizationRef(Frozen):
    id: OptionalIdentifier = None
    name: str = ""
    acronym: str | None = None
    slug: OptionalIdentifier = None
    url: Link = None


class DatasetRef(Frozen):
    id: Identifier
    title: str = ""
    url: Link = None


class Dataservice(Frozen):
    id: Identifier
    title: str = ""
    slug: OptionalIdentifier = None
    acronym: str | None = None
    url: Link = Field(None, description="The dataservice's page on the portal.")
    description: str | None = None
    organization: OrganizationRef | None = None
    base_api_url: Link = None
    machine_documentation_url: Link = Field(
        None, description="The OpenAPI or Swagger description (get_dataservice_openapi_spec)."
    )
    technical_documentation_url: Link = None
    business_documentation_url: Link = None
    access_type: str | None = Field(None, description="open, restricted, open_with_account...")
    authorization_request_url: Link = None
    license: str | None = None
    tags: list[str] = Field(default_factory=list)
    rate_limiting: str | None = None
    rate_limiting_url: Link = None
    availability: float | None = Field(None, description="Published availability, 0 to 100.")
    availability_url: Link = None
    format: str | None = None
    created_at: Timestamp = None
    metadata_modified_at: Timestamp = None
    archived_at: Timestamp = None
    datasets_count: int | None = None
    badges: list[str] = Field(default_factory=list)


class Pagination(Frozen):
    page: int
    page_size: int
    total: int
    has_more: bool


class DataserviceSearchPage(Frozen):
    dataservices: list[Dataservice]
    pagination: Pagination


# -- API descriptions ------------------------------------------------------------------------


class Parameter(Frozen):
    name: str
    location: str = Field(description="path, query, header, cookie (formData in Swagger 2).")
    required: bool = False
    type: str | None = None
    description: str | None = None


class BodyField(Frozen):
    name: str
    type: str
    required: bool = False


class Operation(Frozen):
    method: str
    path: str
    summary: str | None = None
    operation_id: str | None = None
    tags: list[str] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    body: list[BodyField] | None = Field(None, description="The request body's fields.")
    body_type: str | None = None
    response: str | None = Field(None, description="The main (first 2xx) response.")
    deprecated: bool = False


class ApiSpec(Frozen):
    format: str = Field(description="OpenAPI 3.x.y or Swagger 2.0.")
    title: str = ""
    version: str | None = None
    description: str | None = None
    servers: list[str] = Field(default_factory=list)
    security: list[str] = Field(default_factory=list, description="Authentication schemes.")
    operations: list[Operation] = Field(default_factory=list)


# -- structured content of the tools -------------------------------------------------------


class SearchDataservicesResult(Frozen):
    page: int
    page_size: int
    total: int
    has_more: bool
    next_page: int | None = None
    query: str = Field(description="The query as asked.")
    effective_query: str = Field(description="The query sent for these results.")
    dropped_words: list[str] = Field(default_factory=list)
    filters: dict[str, str] = Field(default_factory=dict)
    dataservices: list[Dataservice]


class DataserviceInfo(Frozen):
    dataservice: Dataservice
    datasets: list[DatasetRef] = Field(default_factory=list)
    datasets_total: int | None = None


class OpenApiSummary(Frozen):
    dataservice_id: str
    dataservice_title: str = ""
    documentation_url: str
    fetched_url: str
    spec: ApiSpec = Field(description="The API; `operations` holds this page's operations only.")
    operations_total: int = Field(description="Operations in the description.")
    operations_matching: int = Field(description="Operations matching path_filter, tag, method.")
    page: int
    page_size: int
    next_page: int | None = None
    filters: dict[str, str] = Field(default_factory=dict)
    stale: bool = False
