"""Parsers: any JSON parses or raises DatasetsParseError; ids, titles and URLs survive; unknown
keys are ignored. Every recorded dataset, search and organization body is a fixed example,
the RECORDER-ALTERED ones ("[redacted]" where objects belong) included."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from datagouv_mcp import readers
from datagouv_mcp.links import SiteLinks
from datagouv_mcp_datasets import testing
from datagouv_mcp_datasets.models import FormatCount
from datagouv_mcp_datasets.parsers import (
    DatasetsParseError,
    parse_dataset,
    parse_dataset_search,
    parse_organization,
    parse_organization_search,
    parse_resource,
    parse_resources_page,
)
from datagouv_mcp_datasets.testing import (
    PROD_LINKS,
    datasets_with_unknown_keys,
    examples,
    json_values,
    organizations_with_unknown_keys,
    recorded,
    resources_with_unknown_keys,
)

# Examples are sized generously; their timing varies on shared machines.
relaxed = settings(deadline=None)

LINKS = SiteLinks(site="http://127.0.0.1:9/", api="http://127.0.0.1:9/api/")
DATASETS = testing.dataset_bodies()
SEARCHES = testing.dataset_search_bodies()
RESOURCE_PAGES = testing.resources_page_bodies()
RESOURCES = testing.resource_bodies()
ORGANIZATIONS = testing.organization_bodies()
ORGANIZATION_SEARCHES = testing.organization_search_bodies()
EVERY_BODY = {
    **DATASETS,
    **SEARCHES,
    **RESOURCE_PAGES,
    **ORGANIZATIONS,
    **ORGANIZATION_SEARCHES,
}


def test_the_corpus_is_all_there() -> None:
    # A renamed or moved corpus folder must not silently drop the fixed examples.
    assert len(DATASETS) >= 17
    assert len(SEARCHES) == 3
    assert len(RESOURCE_PAGES) == 1
    assert len(ORGANIZATIONS) >= 13
    assert len(ORGANIZATION_SEARCHES) == 2
    assert len(RESOURCES) > 100


# -- any JSON: parsed or our error, nothing else -------------------------------------------


@relaxed
@given(json_values | testing.scrambled_datasets)
@examples(EVERY_BODY)
def test_any_json_is_a_dataset_or_our_error(payload: Any) -> None:
    try:
        dataset = parse_dataset(payload, LINKS)
    except DatasetsParseError:
        return
    assert dataset.id == readers.identifier(payload["id"])
    assert dataset.url is not None and dataset.url.startswith(LINKS.site)


@relaxed
@given(json_values | testing.scrambled_envelopes)
@examples(EVERY_BODY)
def test_any_json_is_a_search_page_or_our_error(payload: Any) -> None:
    try:
        page = parse_dataset_search(payload, LINKS, 1, 20)
    except DatasetsParseError:
        return
    assert len(page.datasets) + page.skipped == len(payload["data"])
    assert page.pagination.total >= 0


@relaxed
@given(json_values | testing.scrambled_envelopes)
@examples(EVERY_BODY)
def test_any_json_is_an_organization_search_or_our_error(payload: Any) -> None:
    try:
        page = parse_organization_search(payload, LINKS, 2, 10)
    except DatasetsParseError:
        return
    assert len(page.organizations) + page.skipped == len(payload["data"])


@relaxed
@given(json_values | testing.scrambled_organizations)
@examples(EVERY_BODY)
def test_any_json_is_an_organization_or_our_error(payload: Any) -> None:
    try:
        organization = parse_organization(payload, LINKS)
    except DatasetsParseError:
        return
    assert organization.id == readers.identifier(payload["id"])


@relaxed
@given(json_values | testing.scrambled_envelopes)
@examples(EVERY_BODY)
def test_any_json_is_a_resources_page_or_our_error(payload: Any) -> None:
    try:
        page = parse_resources_page(payload, LINKS, 1, 50)
    except DatasetsParseError:
        return
    assert len(page.resources) + page.skipped == len(payload["data"])


@relaxed
@given(json_values | testing.scrambled_resources)
@examples(RESOURCES)
def test_any_json_is_a_resource_or_our_error(payload: Any) -> None:
    try:
        resource = parse_resource(payload, LINKS)
    except DatasetsParseError:
        return
    # The id keeps only id characters ("[redacted]" reads "redacted"): so does its link.
    kept = readers.identifier(payload["id"]) or ""
    assert resource.latest_url == f"{LINKS.api}1/datasets/r/{quote(kept, safe='')}"


@relaxed
@given(st.sampled_from(sorted(DATASETS)), st.data())
def test_redacting_any_field_but_the_id_keeps_a_dataset_readable(name: str, data: Any) -> None:
    body = dict(DATASETS[name])
    key = data.draw(st.sampled_from(sorted(k for k in body if k != "id")))
    replacement = data.draw(st.sampled_from(["[redacted]", None, 0, [], {}]))
    dataset = parse_dataset({**body, key: replacement}, LINKS)
    assert dataset.id == body["id"]


# -- what survives ----------------------------------------------------------------------------


@relaxed
@given(datasets_with_unknown_keys)
def test_dataset_ids_titles_and_urls_survive_and_unknown_keys_are_ignored(case: Any) -> None:
    record, unknown = case
    dataset = parse_dataset(record, LINKS)
    assert parse_dataset({**record, **unknown}, LINKS) == dataset
    assert (dataset.id, dataset.title) == (record["id"], record["title"])
    assert dataset.url == f"{LINKS.site}datasets/{record.get('slug') or record['id']}"
    resources = record.get("resources")
    if isinstance(resources, list):
        assert dataset.resources_count == len(resources)


@relaxed
@given(resources_with_unknown_keys)
def test_resource_ids_titles_and_urls_survive_and_unknown_keys_are_ignored(case: Any) -> None:
    record, unknown = case
    resource = parse_resource(record, LINKS)
    assert parse_resource({**record, **unknown}, LINKS) == resource
    assert (resource.id, resource.title, resource.url) == (
        record["id"],
        record["title"],
        record["url"],
    )
    table = record.get("extras", {}).get("analysis:parsing:parsing_table")
    assert resource.tabular_api == bool(table and table.strip())


@relaxed
@given(organizations_with_unknown_keys)
def test_organization_ids_and_names_survive_and_unknown_keys_are_ignored(case: Any) -> None:
    record, unknown = case
    organization = parse_organization(record, LINKS)
    assert parse_organization({**record, **unknown}, LINKS) == organization
    assert (organization.id, organization.name) == (record["id"], record["name"])


@relaxed
@given(st.lists(testing.dataset_records, max_size=4), st.lists(json_values, max_size=4))
def test_a_broken_hit_is_skipped_not_fatal(good: list[Any], other: list[Any]) -> None:
    page = parse_dataset_search({"data": [*good, *other], "total": 99}, LINKS, 1, 20)
    assert [d.id for d in page.datasets[: len(good)]] == [item["id"] for item in good]
    assert len(page.datasets) + page.skipped == len(good) + len(other)


# -- the real payloads, read right ------------------------------------------------------------


def test_dvf_v1_record() -> None:
    dataset = parse_dataset(
        recorded("01_dataset_v1/03_demandes-de-valeurs-foncieres.json"), PROD_LINKS
    )
    assert dataset.id == "5c4ae55a634f4117716d5656"
    assert dataset.url == "https://www.data.gouv.fr/datasets/demandes-de-valeurs-foncieres"
    assert dataset.organization is not None
    assert dataset.organization.id == "534fff8ea3a7292c64a77f02"
    assert dataset.organization.badges == ["public-service", "certified"]
    assert dataset.resources_count == 9
    assert [(f.format, f.count) for f in dataset.resource_formats or []] == [("txt", 5), ("pdf", 4)]
    assert dataset.temporal_coverage is not None
    assert (dataset.temporal_coverage.start, dataset.temporal_coverage.end) == (
        "2019-01-01",
        "2023-12-31",
    )
    assert dataset.spatial is not None and dataset.spatial.granularity == "poi"
    assert dataset.quality is not None and dataset.quality.score == 1.0
    assert dataset.quality.signals["update_fulfilled_in_time"] is True
    assert dataset.metrics is not None and dataset.metrics.downloads == 162453


def test_redacted_2026_record_keeps_what_is_real() -> None:
    body = recorded("01_dataset_v1/www_v1_dataset_population_REDACTED_TRIMMED_mcpts.json")
    dataset = parse_dataset(body, PROD_LINKS)
    assert (dataset.id, dataset.slug, dataset.title) == (
        "53699d0ea3a729239d205b2e",
        "population",
        "Population",
    )
    assert dataset.quality is None and dataset.metrics is None  # "[redacted]" in the recording
    assert dataset.featured is True and dataset.access_type == "open"
    assert dataset.spatial is not None and dataset.spatial.zones == ["country:fr"]


def test_2017_record_without_quality_or_types() -> None:
    body = recorded("01_dataset_v1/www_v1_dataset_irigo_2017-10_transport-site.json")
    dataset = parse_dataset(body, PROD_LINKS)
    assert dataset.quality is None
    assert dataset.organization is not None and dataset.organization.badges == []
    assert dataset.resource_formats == [FormatCount(format="zip", count=6)]
    resource = parse_resource(body["resources"][0], PROD_LINKS)
    assert resource.type is None and resource.filesize == 1684490


def test_v2_record_counts_resources_from_the_link() -> None:
    name = "03_dataset_v2/www_v2_dataset_object_population_from_search_2024-09.json"
    dataset = parse_dataset(recorded(name), PROD_LINKS)
    assert (dataset.resources_count, dataset.resource_formats) == (8, None)
    assert dataset.community_resources_count is not None


def test_search_page_2024() -> None:
    page = parse_dataset_search(
        recorded("02_datasets_search/www_v2_datasets_search_page1_2024-09.json"), PROD_LINKS, 1, 20
    )
    assert len(page.datasets) == 20 and page.skipped == 0
    assert (page.pagination.total, page.pagination.has_more) == (10000, True)
    assert page.facets == {}


def test_search_facets_drop_the_all_bucket() -> None:
    page = parse_dataset_search(
        recorded("02_datasets_search/www_v2_datasets_search_population_facets_REDACTED_mcpts.json"),
        PROD_LINKS,
        1,
        3,
    )
    assert page.pagination.total == 2710
    assert [b.name for b in page.facets["badge"]] == ["inspire", "hvd"]
    assert all(b.name != "all" for buckets in page.facets.values() for b in buckets)


def test_empty_search() -> None:
    page = parse_dataset_search(
        recorded("02_datasets_search/www_v2_datasets_search_empty_with_facets_mcpts.json"),
        PROD_LINKS,
        1,
        3,
    )
    assert (page.datasets, page.pagination.total, page.pagination.has_more) == ([], 0, False)


def test_resources_page_and_latest_urls_follow_the_configured_api() -> None:
    body = recorded("03_dataset_v2/www_v2_dataset_resources_population_page1_REDACTED_mcpts.json")
    page = parse_resources_page(body, LINKS, 1, 5)
    assert (len(page.resources), page.pagination.total, page.pagination.has_more) == (5, 8, True)
    first = page.resources[0]
    assert first.latest_url == f"http://127.0.0.1:9/api/1/datasets/r/{first.id}"
    assert first.url == body["data"][0]["url"]
    # {"name": null, "url": null, "version": null} is no schema at all.
    assert page.resources[1].data_schema is None


def test_tabular_marker_of_recorded_resources() -> None:
    tabular = {
        name: parse_resource(body, PROD_LINKS).tabular_api
        for name, body in RESOURCES.items()
        if name.startswith("04_resource_v2")
    }
    assert tabular and all(tabular.values())


def test_organization_search_2026() -> None:
    body = recorded("06_organizations/www_v2_organizations_search_etalab_REDACTED_mcpts.json")
    page = parse_organization_search(body, PROD_LINKS, 1, 3)
    etalab = page.organizations[0]
    assert (etalab.name, etalab.slug, etalab.url) == (
        "Etalab",
        "etalab",
        "https://www.data.gouv.fr/organizations/etalab",
    )
    assert etalab.metrics is None  # "[redacted]"
    assert page.pagination.total == 23
