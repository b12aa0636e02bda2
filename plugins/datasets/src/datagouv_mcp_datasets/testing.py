"""Test helpers shipped with the plugin, for its tests and for third-party authors: the real
recorded udata bodies of the stand-in's corpus, grouped by kind, and Hypothesis strategies.

Requires the `testing` extra (Hypothesis and datagouv-mcp-standin), not a runtime dependency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import example
from hypothesis import strategies as st

from datagouv_mcp.links import SiteLinks
from datagouv_mcp_standin.corpus import recorded, recorded_bodies

F = TypeVar("F", bound=Callable[..., Any])

# Links as production writes them, for golden texts.
PROD_LINKS = SiteLinks(site="https://www.data.gouv.fr/", api="https://www.data.gouv.fr/api/")


__all__ = ["recorded"]


def _bodies(folder: str, keep: Callable[[str], bool]) -> dict[str, Any]:
    return {
        path: body
        for path, body in recorded_bodies(folder).items()
        if keep(path.rpartition("/")[2])
    }


def dataset_bodies() -> dict[str, Any]:
    """Every dataset record: v1 (resources inline, 2017 to 2026, one RECORDER-ALTERED) and v2."""
    v1 = _bodies("01_dataset_v1", lambda name: "community_resources" not in name)
    v2 = _bodies("03_dataset_v2", lambda name: "_resources_" not in name)
    return {**v1, **v2}


def dataset_search_bodies() -> dict[str, Any]:
    """Every /api/2/datasets/search/ envelope (2024 page, 2026 with facets, empty)."""
    return _bodies("02_datasets_search", lambda name: True)


def resources_page_bodies() -> dict[str, Any]:
    """/api/2/datasets/{id}/resources/ pages."""
    return _bodies("03_dataset_v2", lambda name: "_resources_" in name)


def resource_bodies() -> dict[str, Any]:
    """Resource objects: those embedded in v1 datasets and the /api/2/datasets/resources/ ones
    (which carry the Tabular API marker)."""
    found: dict[str, Any] = {}
    for source, body in dataset_bodies().items():
        for index, item in enumerate(body.get("resources") or []):
            if isinstance(body.get("resources"), list):
                found[f"{source}#resources[{index}]"] = item
    for source, body in _bodies("04_resource_v2", lambda name: True).items():
        found[f"{source}#resource"] = body["resource"]
    return found


def organization_bodies() -> dict[str, Any]:
    """Full organization records (2017 and 2024)."""
    return _bodies("06_organizations", lambda name: "search" not in name)


def organization_search_bodies() -> dict[str, Any]:
    """Organization list and search envelopes (v1 2017, v2 2026 RECORDER-ALTERED)."""
    return _bodies("06_organizations", lambda name: "search" in name)


def examples(bodies: dict[str, Any]) -> Callable[[F], F]:
    """Decorate a one-argument @given test with each body as an @example."""

    def apply(test: F) -> F:
        for body in bodies.values():
            test = example(body)(test)
        return test

    return apply


# -- strategies ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.just("[redacted]"),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
object_ids = st.from_regex(r"[0-9a-f]{24}", fullmatch=True)
slugs = st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,4}", fullmatch=True)
titles = st.text(min_size=1, max_size=120)
urls = st.builds(lambda path: f"https://static.example.org/{path}", slugs)
resource_ids = st.uuids().map(str)
# Keys udata has never used, to check they are ignored.
unknown_keys = st.dictionaries(
    st.from_regex(r"zz_[a-z]{1,8}", fullmatch=True), json_values, max_size=3
)


def _with_unknown(records: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    return st.tuples(records, unknown_keys)


resource_records = st.fixed_dictionaries(
    {"id": resource_ids, "title": titles, "url": urls},
    optional={
        "format": st.sampled_from(["csv", "json", "zip", "xlsx", " CSV ", "csv,dbase"]),
        "filesize": st.none() | st.integers(0, 10**12),
        "mime": st.none() | st.sampled_from(["text/csv", "application/json"]),
        "type": st.sampled_from(["main", "documentation", "api"]),
        "extras": st.fixed_dictionaries(
            {}, optional={"analysis:parsing:parsing_table": st.text(min_size=1, max_size=32)}
        ),
        "schema": st.none() | st.just("[redacted]"),
    },
)
dataset_records = st.fixed_dictionaries(
    {"id": object_ids, "title": titles},
    optional={
        "slug": slugs,
        "description": st.none() | st.text(max_size=300),
        "tags": st.lists(st.text(max_size=30), max_size=8),
        "resources": st.lists(resource_records, max_size=4)
        | st.fixed_dictionaries({"total": st.integers(0, 5000)}),
        "organization": st.none()
        | st.just("[redacted]")
        | st.fixed_dictionaries({"id": object_ids, "name": titles, "slug": slugs}),
        "quality": st.just("[redacted]") | st.fixed_dictionaries({"score": st.floats(0, 1)}),
        "metrics": st.just("[redacted]") | st.fixed_dictionaries({"views": st.integers(0, 10**9)}),
        "license": st.sampled_from(["lov2", "odc-odbl", "notspecified"]),
    },
)
organization_records = st.fixed_dictionaries(
    {"id": object_ids, "name": titles},
    optional={"slug": slugs, "acronym": st.none() | st.text(max_size=10)},
)
datasets_with_unknown_keys = _with_unknown(dataset_records)
resources_with_unknown_keys = _with_unknown(resource_records)
organizations_with_unknown_keys = _with_unknown(organization_records)


# Every key the parsers read, to scramble well-formed records with values of any type.
DATASET_KEYS = [
    "id", "title", "slug", "acronym", "description", "description_short", "organization",
    "owner", "tags", "badges", "license", "frequency", "frequency_date", "spatial",
    "temporal_coverage", "created_at", "last_modified", "last_update", "archived", "deleted",
    "private", "featured", "access_type", "resources", "community_resources", "quality",
    "metrics",
]  # fmt: skip
RESOURCE_KEYS = [
    "id", "title", "name", "description", "format", "filesize", "mime", "type", "filetype",
    "url", "created_at", "last_modified", "schema", "extras",
]  # fmt: skip
ORGANIZATION_KEYS = [
    "id", "name", "acronym", "slug", "url", "description", "badges", "business_number_id",
    "created_at", "last_modified", "metrics",
]  # fmt: skip
ENVELOPE_KEYS = ["data", "page", "page_size", "total", "next_page", "facets"]


def scrambled(
    records: st.SearchStrategy[dict[str, Any]], keys: list[str]
) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed records with some known keys set to any JSON value: wrong types, nulls,
    "[redacted]", nested junk."""
    return st.builds(
        lambda record, junk: {**record, **junk},
        records,
        st.dictionaries(st.sampled_from(keys), json_values, max_size=4),
    )


scrambled_datasets = scrambled(dataset_records, DATASET_KEYS)
scrambled_resources = scrambled(resource_records, RESOURCE_KEYS)
scrambled_organizations = scrambled(organization_records, ORGANIZATION_KEYS)
scrambled_envelopes = scrambled(
    st.fixed_dictionaries(
        {"data": st.lists(scrambled_datasets, max_size=3), "total": st.integers(0, 10**5)}
    ),
    ENVELOPE_KEYS,
)
