"""Building the catalogue from a corpus directory and a number of generated datasets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from datagouv_mcp_standin import sample_apis
from datagouv_mcp_standin.catalog import (
    Catalogue,
    MetricSeed,
    OpenApiDoc,
    TabularSeed,
    canonical_uuid,
)
from datagouv_mcp_standin.corpus import DEFAULT_CORPUS, RecordedBody, Vetting, load_corpus
from datagouv_mcp_standin.corpus_shapes import vet
from datagouv_mcp_standin.fillers import (
    filler_resources,
    organization_from_ref,
    skeleton_dataset,
)
from datagouv_mcp_standin.generated_index import index_generated
from datagouv_mcp_standin.generated_parts import org_body
from datagouv_mcp_standin.records import Json, RecordedDataset, search_fields
from datagouv_mcp_standin.rewrite import Rewriter
from datagouv_mcp_standin.sample_files import files_dataset
from datagouv_mcp_standin.search import DatasetIndex
from datagouv_mcp_standin.synthetic import GeneratedCatalogue
from datagouv_mcp_standin.textsearch import tokens


class CatalogueBuilder:
    def __init__(self, kinds: list[tuple[RecordedBody, str | None]]) -> None:
        self.bodies = [body for body, _ in kinds]
        self.kinds = kinds
        self.datasets: dict[str, RecordedDataset] = {}
        self.resources: dict[str, tuple[Json, str | None]] = {}
        self.advertised: dict[str, int] = {}
        self.orphans: dict[str, list[Json]] = {}
        self.community: list[Json] = []
        self.organizations: dict[str, Json] = {}
        self.dataservices: dict[str, Json] = {}

    def of_kind(self, *names: str) -> Iterable[RecordedBody]:
        return (b for b, kind in self.kinds if kind in names)

    # -- datasets --------------------------------------------------------------------------

    def entry(self, body: Json) -> RecordedDataset:
        dataset_id = str(body["id"])
        found = self.datasets.get(dataset_id)
        if found is None:
            found = RecordedDataset(dataset_id, str(body.get("slug") or dataset_id))
            self.datasets[dataset_id] = found
        return found

    def add_resources(self, dataset_id: str, resources: Iterable[Json]) -> None:
        entry = self.datasets.get(dataset_id)
        if entry is None:
            group = self.orphans.setdefault(dataset_id, [])
            group.extend(r for r in resources if r["id"] not in {o["id"] for o in group})
            return
        if entry.resources is None:
            entry.resources = []
        known = {r["id"] for r in entry.resources}
        entry.resources.extend(r for r in resources if r["id"] not in known)

    def collect_datasets(self) -> None:
        # Object bodies first: they are what the object endpoints replay verbatim.
        for body in self.of_kind("dataset_v1"):
            entry = self.entry(body.data)
            if entry.v1 is None:
                entry.v1 = body.data
                self.add_resources(entry.id, body.data.get("resources") or [])
        for body in self.of_kind("dataset_v2"):
            entry = self.entry(body.data)
            entry.v2 = entry.v2 or body.data
        search_bodies = sorted(self.of_kind("dataset_search"), key=lambda b: b.endpoint.kind)
        for body in search_bodies:  # templates ("other" sorts first) before concrete ones
            for item in body.data.get("data") or []:
                entry = self.entry(item)
                if entry.v2 is None:
                    entry.v2 = item
        files = files_dataset()  # every file format, big CSVs, refused URLs
        entry = self.entry(files)
        entry.v1, entry.resources = files, list(files["resources"])
        for entry in self.datasets.values():
            link = (entry.v2 or {}).get("resources")
            if isinstance(link, dict):
                self.advertised[entry.id] = int(link.get("total") or 0)
        for body in self.of_kind("resources_page"):
            dataset_id = body.endpoint.path.split("/")[4]
            self.advertised[dataset_id] = max(
                self.advertised.get(dataset_id, 0), int(body.data.get("total") or 0)
            )
            self.add_resources(dataset_id, body.data.get("data") or [])
        for body in self.of_kind("resource"):
            dataset_id = body.data.get("dataset_id")
            self.add_resources(str(dataset_id), [body.data["resource"]])
        for body in self.of_kind("community"):
            self.community.extend(body.data.get("data") or [])
        for dataset_id, resources in self.orphans.items():
            entry = self.entry(skeleton_dataset(dataset_id, resources))
            entry.v1 = skeleton_dataset(dataset_id, resources)
            entry.resources = list(resources)
        for entry in self.datasets.values():
            have = len(entry.resource_list())
            wanted = self.advertised.get(entry.id, have)
            if wanted > have:
                extra = filler_resources(entry.any_body(), have, wanted)
                entry.resources = [*entry.resource_list(), *extra]
            entry.community_total = sum(
                1 for c in self.community if (c.get("dataset") or {}).get("id") == entry.id
            )
            for resource in entry.resource_list():
                self.resources.setdefault(str(resource["id"]), (resource, entry.id))
        for item in self.community:
            parent = (item.get("dataset") or {}).get("id")
            self.resources.setdefault(str(item["id"]), (item, str(parent) if parent else None))

    # -- organizations and dataservices ----------------------------------------------------

    def collect_others(self) -> None:
        for body in self.of_kind("dataservice"):
            self.dataservices.setdefault(str(body.data["id"]), body.data)
        for service_id in sample_apis.SAMPLES:  # every documentation case, refused URLs too
            self.dataservices.setdefault(service_id, sample_apis.dataservice_body(service_id))
        for body in self.of_kind("dataservice_search"):
            for item in body.data.get("data") or []:
                self.dataservices.setdefault(str(item["id"]), item)
        for body in self.of_kind("organization"):
            self.organizations.setdefault(str(body.data["id"]), body.data)
        for body in self.of_kind("organization_list"):
            for item in body.data.get("data") or []:
                self.organizations.setdefault(str(item["id"]), item)
        owners = [e.any_body() for e in self.datasets.values()] + list(self.dataservices.values())
        for owner in owners:
            ref = owner.get("organization")
            if isinstance(ref, dict) and ref.get("id"):
                self.organizations.setdefault(str(ref["id"]), organization_from_ref(ref))


def _keys(objects: dict[str, Json]) -> dict[str, str]:
    keys = {object_id: object_id for object_id in objects}
    for object_id, body in objects.items():
        if body.get("slug"):
            keys.setdefault(str(body["slug"]), object_id)
    return keys


def _openapi_urls(dataservices: Iterable[Json], docs: dict[str, OpenApiDoc]) -> dict[str, str]:
    """Dataservice documentation URLs that a recorded OpenAPI document stands in for.

    A document matches when its file name starts with the URL's file stem
    (`.../api-ficoba3.json` -> `api-ficoba3_dgfip_openapi3.0.1.json`).
    """
    urls: dict[str, str] = {}
    for service in dataservices:
        url = service.get("machine_documentation_url")
        if not isinstance(url, str) or not url:
            continue
        stem = urlsplit(url).path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
        for name in docs:
            if stem and name.lower().startswith(stem + "_"):
                urls[url] = f"/openapi/{name}"
    return urls


def _tabular_seeds(builder: CatalogueBuilder) -> tuple[dict[str, TabularSeed], Any]:
    seeds: dict[str, TabularSeed] = {}
    aggregation: Any = {"allowed": False, "exceptions": []}

    def seed(rid: str | None) -> TabularSeed | None:
        canonical = canonical_uuid(rid or "")
        return seeds.setdefault(canonical, TabularSeed(canonical)) if canonical else None

    def rid_from_links(data: Json) -> str | None:
        links = data.get("links")
        hrefs = [links.get("profile")] if isinstance(links, dict) else []
        if isinstance(links, list):
            hrefs = [link.get("href") for link in links if isinstance(link, dict)]
        for href in hrefs:
            match = re.search(r"/resources/([^/]+)/", str(href or ""))
            if match:
                return match.group(1)
        return None

    for body, kind in builder.kinds:
        if kind not in ("tabular_data", "tabular_profile", "tabular_meta"):
            continue
        rid = body.endpoint.path.split("/")[4] if body.endpoint.kind == "concrete" else None
        target = seed(rid or rid_from_links(body.data))
        if target is None:
            continue
        if kind == "tabular_profile":
            target.profile = body.data
        elif kind == "tabular_meta":
            target.meta = target.meta or body.data
        else:
            for row in body.data.get("data") or []:
                target.rows[int(row["__id"])] = row
            meta = body.data.get("meta") or {}
            arguments = {k for k, _ in parse_qsl(body.endpoint.query)}
            # Only an unfiltered page tells the table's size (a template hides its query).
            if body.endpoint.kind == "concrete" and arguments <= {"page", "page_size"}:
                target.total = max(target.total or 0, int(meta.get("total") or 0))
    for body in builder.of_kind("tabular_aggregation"):
        aggregation = body.data
    return seeds, aggregation


def _metric_seeds(builder: CatalogueBuilder) -> list[MetricSeed]:
    seeds = []
    for body in builder.of_kind("metrics"):
        model = body.endpoint.path.split("/")[-3]
        for key, value in parse_qsl(body.endpoint.query):
            if not key.endswith("_id__exact"):
                continue
            column = key[: -len("__exact")]
            rows = tuple(body.data.get("data") or [])
            entity = rows[0][column] if rows else value
            total = int((body.data.get("meta") or {}).get("total") or 0)
            seeds.append(MetricSeed(model, column, str(entity), rows, total))
    return seeds


def build_catalogue(corpus: Path | None = None, datasets: int = 0) -> Catalogue:
    """The catalogue of a corpus directory (default: the bundled one) plus generated datasets.

    Bodies of the wrong shape are adapted or skipped by `vet`. Should a body that passed
    still break the build (a field of a type nothing expects), each body is tried on its own,
    and those that cannot be used are skipped too, named in a warning: one odd file never
    stops the stand-in."""
    vetting = Vetting()
    kinds = vet(load_corpus(corpus or DEFAULT_CORPUS, vetting), vetting)
    try:
        return _build(kinds, datasets, vetting)
    except Exception:
        usable = []
        for body, kind in kinds:
            try:
                _build([(body, kind)], 0, Vetting())
            except Exception as exc:
                detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
                vetting.skip(body.relpath, f"its content could not be used ({detail})")
            else:
                usable.append((body, kind))
        return _build(usable, datasets, vetting)


def _build(
    kinds: list[tuple[RecordedBody, str | None]], datasets: int, vetting: Vetting
) -> Catalogue:
    builder = CatalogueBuilder(kinds)
    bodies = builder.bodies
    builder.collect_datasets()
    builder.collect_others()
    docs = {
        b.relpath.rsplit("/", 1)[-1]: OpenApiDoc(
            b.relpath.rsplit("/", 1)[-1], b.raw, b.content_type
        )
        for b in builder.of_kind("openapi")
    }
    rewriter = Rewriter(_openapi_urls(builder.dataservices.values(), docs))

    index = DatasetIndex()
    recorded = list(builder.datasets.values())
    dataset_keys: dict[str, int] = {}
    for ordinal, entry in enumerate(recorded):
        # Search answers v2 bodies, so it filters and sorts on what the v2 body says.
        body = entry.v2_body()
        dataset_keys.setdefault(entry.id, ordinal)
        dataset_keys.setdefault(entry.slug, ordinal)
        org = body.get("organization") if isinstance(body.get("organization"), dict) else {}
        text = " ".join(
            str(x or "") for x in (body.get("title"), body.get("acronym"), body.get("description"))
        )
        tags = " ".join(body.get("tags") or [])
        words = tokens(f"{text} {(org or {}).get('name') or ''} {tags}")
        title_words = tokens(str(body.get("title") or ""))
        index.add(search_fields(body, entry.resource_list()), [*words, entry.id], title_words)
    generated = GeneratedCatalogue(datasets)
    index_generated(generated, index)

    def lookup_id(dataset_id: str) -> int | None:
        if dataset_id in dataset_keys:
            return dataset_keys[dataset_id]
        found = generated.index_of(dataset_id)
        return None if found is None else len(recorded) + found

    index.lookup_id = lookup_id
    for k, org in enumerate(generated.orgs):
        builder.organizations.setdefault(org.id, org_body(org, k, generated.org_dataset_counts[k]))

    static_paths: dict[str, str] = {}
    for rid, (resource, _) in builder.resources.items():
        path = rewriter.to_path(str(resource.get("url") or "").strip())
        if path and path.startswith(("/static/", "/s/")):
            static_paths.setdefault(urlsplit(path).path, rid)

    crawler: list[Json] = []
    for listing in builder.of_kind("crawler"):
        crawler = list(listing.data)
    tabular_seeds, aggregation = _tabular_seeds(builder)
    return Catalogue(
        rewriter=rewriter,
        bodies=bodies,
        replays={b.endpoint.replay_key: b for b in bodies if b.endpoint.kind == "concrete"},
        index=index,
        recorded=recorded,
        generated=generated,
        dataset_keys=dataset_keys,
        resources=builder.resources,
        community=builder.community,
        organizations=builder.organizations,
        organization_keys=_keys(builder.organizations),
        dataservices=builder.dataservices,
        dataservice_keys=_keys(builder.dataservices),
        static_paths=static_paths,
        openapi=docs,
        tabular_seeds=tabular_seeds,
        aggregation_exceptions=aggregation,
        metric_seeds=_metric_seeds(builder),
        crawler_exceptions=crawler,
        corpus_notes=vetting,
        dataservice_datasets=sample_apis.related_datasets(),
    )
