"""The catalogue the stand-in serves: recorded objects, fillers and generated datasets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from datagouv_mcp_standin.corpus import QueryKey, RecordedBody, Vetting
from datagouv_mcp_standin.records import DatasetView, Json, RecordedDataset
from datagouv_mcp_standin.rewrite import Rewriter
from datagouv_mcp_standin.search import DatasetIndex
from datagouv_mcp_standin.synthetic import GeneratedCatalogue


def canonical_uuid(value: str) -> str | None:
    """A UUID in canonical form, accepting upper case and missing hyphens; None if not one."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


@dataclass
class TabularSeed:
    """What the corpus records about one Tabular API resource."""

    rid: str
    profile: Json | None = None  # the whole /profile/ body
    rows: dict[int, Json] = field(default_factory=dict)  # recorded rows by __id
    total: int | None = None
    meta: Json | None = None  # a recorded /resources/{rid}/ body


@dataclass(frozen=True)
class MetricSeed:
    """A recorded Metrics API page: the rows of one entity's series, and its total."""

    model: str
    id_column: str
    entity_id: str
    rows: tuple[Json, ...]
    total: int


@dataclass(frozen=True)
class OpenApiDoc:
    name: str
    raw: bytes
    content_type: str


@dataclass(frozen=True)
class PatchedDataset:
    """A dataset with fields changed at run time: both API versions show the new values."""

    view: DatasetView
    patch: Json

    @property
    def id(self) -> str:
        return self.view.id

    @property
    def slug(self) -> str:
        return self.view.slug

    def v1_body(self) -> Json:
        return {**self.view.v1_body(), **self.patch}

    def v2_body(self) -> Json:
        return {**self.view.v2_body(), **self.patch}

    def resource_list(self) -> list[Json]:
        return self.view.resource_list()


@dataclass
class Catalogue:
    rewriter: Rewriter
    bodies: list[RecordedBody]
    replays: dict[tuple[str, QueryKey], RecordedBody]
    index: DatasetIndex
    recorded: list[RecordedDataset]
    generated: GeneratedCatalogue
    dataset_keys: dict[str, int]
    resources: dict[str, tuple[Json, str | None]]
    community: list[Json]
    organizations: dict[str, Json]
    organization_keys: dict[str, str]
    dataservices: dict[str, Json]
    dataservice_keys: dict[str, str]
    static_paths: dict[str, str]
    openapi: dict[str, OpenApiDoc]
    tabular_seeds: dict[str, TabularSeed]
    aggregation_exceptions: Any
    metric_seeds: list[MetricSeed]
    crawler_exceptions: list[Json]
    corpus_notes: Vetting = field(default_factory=Vetting)
    # The datasets of dataservices whose record links them (`datasets: {href, total}`).
    dataservice_datasets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Fields changed at run time (`PATCH /_standin/datasets/{id}`), by dataset id.
    patches: dict[str, Json] = field(default_factory=dict)

    # -- datasets --------------------------------------------------------------------------

    @property
    def dataset_count(self) -> int:
        return len(self.index)

    def dataset_at(self, ordinal: int) -> DatasetView:
        if ordinal < len(self.recorded):
            return self._patched(self.recorded[ordinal])
        return self._patched(
            self.generated.view(ordinal - len(self.recorded), self.index.fields[ordinal])
        )

    def _patched(self, view: DatasetView) -> DatasetView:
        patch = self.patches.get(view.id)
        return view if patch is None else PatchedDataset(view, patch)

    def dataset(self, key: str) -> DatasetView | None:
        """A dataset by id, then by slug (raw, then lower-cased), as udata looks them up."""
        for candidate in (key, key.lower()):
            ordinal = self.dataset_keys.get(candidate)
            if ordinal is not None:
                return self._patched(self.recorded[ordinal])
            index = self.generated.index_of(candidate)
            if index is not None:
                return self._patched(
                    self.generated.view(index, self.index.fields[len(self.recorded) + index])
                )
        return None

    def dataservices_of(self, dataset_id: str) -> list[Json]:
        """The dataservices whose record lists a dataset (`/api/1/dataservices/?dataset=`)."""
        return [
            self.dataservices[service_id]
            for service_id, ids in self.dataservice_datasets.items()
            if dataset_id in ids and service_id in self.dataservices
        ]

    # -- resources -------------------------------------------------------------------------

    def resource(self, rid: str) -> tuple[Json, str | None] | None:
        """(resource object, dataset id) for a canonical resource id."""
        found = self.resources.get(rid)
        if found is not None:
            return found
        located = self.generated.resource(rid)
        if located is None:
            return None
        index, position = located
        return self.generated.resources_of(index)[position], self.generated.ids[index]

    def resource_for_path(self, path: str) -> tuple[Json, str | None] | None:
        """The resource a /static/ or /s/ path serves (recorded URL, or a generated one)."""
        rid = self.static_paths.get(path)
        if rid is None:
            stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
            rid = canonical_uuid(stem) if len(stem) == 36 else None
        return self.resource(rid) if rid else None

    # -- organizations and dataservices ----------------------------------------------------

    def organization(self, key: str) -> Json | None:
        org_id = self.organization_keys.get(key) or self.organization_keys.get(key.lower())
        return self.organizations.get(org_id) if org_id else None

    def dataservice(self, key: str) -> Json | None:
        ds_id = self.dataservice_keys.get(key) or self.dataservice_keys.get(key.lower())
        return self.dataservices.get(ds_id) if ds_id else None
