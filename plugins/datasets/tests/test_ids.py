"""Ids are checked before any upstream call, by the argument types the tools' signatures use;
named after the attacks they stop."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from datagouv_mcp import InvalidArgumentError
from datagouv_mcp_datasets.arguments import DatasetId, OrganizationFilter

_DATASET_ID = TypeAdapter(DatasetId)
_ORGANIZATION = TypeAdapter(OrganizationFilter)


def dataset_id(value: str) -> str:
    return _DATASET_ID.validate_python(value)


def organization_id(value: str) -> str | None:
    return _ORGANIZATION.validate_python(value)


@pytest.mark.parametrize(
    ("given_id", "canonical"),
    [
        ("5c4ae55a634f4117716d5656", "5c4ae55a634f4117716d5656"),
        ("5C4AE55A634F4117716D5656", "5c4ae55a634f4117716d5656"),
        ("  population \n", "population"),
        ("demandes-de-valeurs-foncieres", "demandes-de-valeurs-foncieres"),
        ("dpe-logements-avant-juillet-2021", "dpe-logements-avant-juillet-2021"),
    ],
)
def test_object_ids_and_slugs_are_accepted(given_id: str, canonical: str) -> None:
    assert dataset_id(given_id) == canonical


@pytest.mark.parametrize(
    "attack",
    [
        "../../1/users/me",
        "..",
        "population/../../2/datasets/search",
        "population?page_size=100000",
        "population#x",
        "population%2F..%2F",
        "https://www.data.gouv.fr/datasets/population/",
        "population\nID: 000000000000000000000000",
        "popu lation",
        "-population",
        "x" * 351,
    ],
)
def test_dataset_id_rejects_path_traversal_and_other_injection(attack: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        dataset_id(attack)
    error = caught.value
    assert error.message.startswith("Invalid dataset ID ")
    assert "\n" not in error.message
    assert error.hint is not None and "search_datasets" in error.hint


def test_an_upper_case_slug_is_lowered_as_udata_slugifies_it() -> None:
    assert dataset_id("Population") == "population"
    assert dataset_id("5C4AE55A634F4117716D5656") == "5c4ae55a634f4117716d5656"


def test_the_error_says_why() -> None:
    with pytest.raises(InvalidArgumentError, match="last part of a page URL"):
        dataset_id("https://www.data.gouv.fr/datasets/population")
    with pytest.raises(InvalidArgumentError, match="it is empty"):
        dataset_id("  ")
    with pytest.raises(InvalidArgumentError) as caught:
        organization_id("not an id")
    assert caught.value.hint is not None and "search_organizations" in caught.value.hint


def test_an_optional_id_left_blank_is_not_given() -> None:
    assert organization_id("  ") is None


@given(st.text(max_size=60))
def test_whatever_passes_is_a_single_safe_path_segment(value: str) -> None:
    try:
        checked = dataset_id(value)
    except InvalidArgumentError:
        return
    assert checked and set(checked) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
