"""What the search index and the handlers know about a dataset, recorded or generated."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Protocol

Json = dict[str, Any]

SITE = "https://www.data.gouv.fr"
API = SITE + "/api"

# hydra's Parquet export of a parsed table, and where it publishes them (the stand-in serves
# that host, and the other one seen in the corpus, at /parquet/).
PARQUET_URL = "analysis:parsing:parquet_url"
PARQUET_EXPORT_URL = "https://object.files.data.gouv.fr/hydra-parquet/hydra-parquet/{rid}.parquet"

TABULAR_FORMATS = frozenset({"csv", "parquet", "xls", "xlsx", "ods", "tsv", "csv.gz"})
_FAMILIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("tabular", TABULAR_FORMATS),
    ("machine_readable", frozenset({"json", "jsonl", "xml", "rdf", "api", "gtfs", "netex"})),
    (
        "geographical",
        frozenset({"geojson", "shp", "shapefile", "kml", "kmz", "wms", "wfs", "gpkg", "gml"}),
    ),
    ("documents", frozenset({"pdf", "doc", "docx", "odt", "html", "txt", "page web"})),
)


def format_family(fmt: str) -> str:
    for family, formats in _FAMILIES:
        if fmt in formats:
            return family
    return "other"


def main_format(fmt: object) -> str:
    """The first format of a free-text format field ("csv, dbase" -> "csv")."""
    text = str(fmt or "").strip().lower()
    for separator in (",", ";", "/"):
        text = text.split(separator)[0]
    return text.strip()


def as_int(value: object) -> int:
    """An int from a metric value; recorder-redacted strings and nulls count as 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(slots=True)
class SearchFields:
    """The fields dataset search filters, sorts and facets on."""

    id: str
    title: str
    org_id: str | None
    org_name: str | None
    org_badges: tuple[str, ...]
    producer_type: str
    owner_id: str | None
    tags: tuple[str, ...]
    formats: tuple[str, ...]
    license: str
    zones: tuple[str, ...]
    granularity: str | None
    badges: tuple[str, ...]
    schemas: tuple[str, ...]
    temporal: tuple[str, str] | None
    featured: bool
    access_type: str
    created: str
    last_update: str
    reuses: int
    followers: int
    views: int


class DatasetView(Protocol):
    """A dataset as the handlers see it, whatever its origin."""

    @property
    def id(self) -> str: ...

    @property
    def slug(self) -> str: ...

    def v1_body(self) -> Json: ...

    def v2_body(self) -> Json: ...

    def resource_list(self) -> list[Json]: ...


def producer_type(org: Json | None, owner: Json | None) -> str:
    if org:
        kinds = {str(b.get("kind")) for b in org.get("badges") or [] if isinstance(b, dict)}
        for kind in ("public-service", "local-authority", "association", "company"):
            if kind in kinds:
                return kind
        return "not-specified"
    return "user" if owner else "not-specified"


def search_fields(body: Json, resources: list[Json]) -> SearchFields:
    """Search fields of a recorded (v1 or v2) dataset body and its known resources."""
    org = body.get("organization") if isinstance(body.get("organization"), dict) else None
    owner = body.get("owner") if isinstance(body.get("owner"), dict) else None
    spatial: Json = body["spatial"] if isinstance(body.get("spatial"), dict) else {}
    coverage = body.get("temporal_coverage")
    temporal = None
    if isinstance(coverage, dict) and coverage.get("start"):
        temporal = (str(coverage["start"])[:10], str(coverage.get("end") or "9999-12-31")[:10])
    metrics: Json = body["metrics"] if isinstance(body.get("metrics"), dict) else {}
    schemas = {
        str(r["schema"]["name"])
        for r in resources
        if isinstance(r.get("schema"), dict) and r["schema"].get("name")
    }
    return SearchFields(
        id=str(body["id"]),
        title=str(body.get("title") or ""),
        org_id=str(org["id"]) if org else None,
        org_name=str(org.get("name") or "") if org else None,
        org_badges=tuple(
            str(b.get("kind")) for b in (org or {}).get("badges") or [] if isinstance(b, dict)
        ),
        producer_type=producer_type(org, owner),
        owner_id=str(owner["id"]) if owner and owner.get("id") else None,
        tags=tuple(str(t) for t in body.get("tags") or []),
        formats=tuple(sorted({main_format(r.get("format")) for r in resources} - {""})),
        license=str(body.get("license") or "notspecified"),
        zones=tuple(str(z) for z in spatial.get("zones") or []),
        granularity=spatial.get("granularity"),
        badges=tuple(str(b.get("kind")) for b in body.get("badges") or [] if isinstance(b, dict)),
        schemas=tuple(sorted(schemas)),
        temporal=temporal,
        featured=bool(body.get("featured")),
        access_type=str(body.get("access_type") or "open"),
        created=str(body.get("created_at") or "")[:19],
        last_update=str(body.get("last_update") or body.get("last_modified") or "")[:19],
        reuses=as_int(metrics.get("reuses")),
        followers=as_int(metrics.get("followers")),
        views=as_int(metrics.get("views")),
    )


def resources_link(dataset_id: str, total: int) -> Json:
    return {
        "rel": "subsection",
        "href": f"{API}/2/datasets/{dataset_id}/resources/?page=1&page_size=50",
        "type": "GET",
        "total": total,
    }


def community_link(dataset_id: str, total: int) -> Json:
    return {
        "rel": "subsection",
        "href": f"{API}/1/datasets/community_resources/?dataset={dataset_id}&page=1&page_size=50",
        "type": "GET",
        "total": total,
    }


def v2_from_v1(v1: Json, resource_total: int, community_total: int) -> Json:
    """The v2 shape of a v1 dataset body: resource links instead of inline resources."""
    body = {k: v for k, v in v1.items() if k not in ("resources", "schema")}
    body["resources"] = resources_link(str(v1["id"]), resource_total)
    body["community_resources"] = community_link(str(v1["id"]), community_total)
    return body


def v1_from_v2(v2: Json, resources: list[Json]) -> Json:
    """The v1 shape of a v2 dataset body: every resource inline."""
    body = {k: v for k, v in v2.items() if k != "community_resources"}
    body["resources"] = copy.deepcopy(resources)
    return body


@dataclass
class RecordedDataset:
    """A dataset known from recorded bodies; recorded shapes are served verbatim."""

    id: str
    slug: str
    v1: Json | None = None
    v2: Json | None = None
    resources: list[Json] | None = None
    community_total: int = 0

    def resource_list(self) -> list[Json]:
        return self.resources or []

    def v1_body(self) -> Json:
        if self.v1 is not None:
            return self.v1
        assert self.v2 is not None
        return v1_from_v2(self.v2, self.resource_list())

    def v2_body(self) -> Json:
        if self.v2 is not None:
            return self.v2
        assert self.v1 is not None
        return v2_from_v1(self.v1, len(self.resource_list()), self.community_total)

    def any_body(self) -> Json:
        return self.v1 if self.v1 is not None else self.v2_body()
