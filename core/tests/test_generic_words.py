"""The generic-word retry: which queries get a simpler second try, and what is dropped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from datagouv_mcp.generic_words import GENERIC_WORDS, without_generic_words


@pytest.mark.parametrize(
    ("query", "simpler", "dropped"),
    [
        ("données transport ferroviaire", "transport ferroviaire", ["données"]),
        ("fichier CSV des gares", "gares", ["fichier", "CSV", "des"]),
        ("Liste des DONNEES d'électricité", "électricité", ["Liste", "des", "DONNEES", "d'"]),
        ("qualité de l’eau", "qualité eau", ["de", "l'"]),
        ("jeux de données (csv) accidents", "accidents", ["jeux", "de", "données", "(csv)"]),
    ],
)
def test_generic_words_are_dropped(query: str, simpler: str, dropped: list[str]) -> None:
    result = without_generic_words(query)
    assert result is not None
    assert (result.query, result.dropped) == (simpler, dropped)


@pytest.mark.parametrize(
    "query",
    ["données", "transport", "transport ferroviaire", "données csv fichier", "", "   "],
)
def test_no_retry_when_it_would_not_be_a_new_non_empty_query(query: str) -> None:
    assert without_generic_words(query) is None


@given(st.lists(st.text(min_size=1, max_size=15).filter(lambda w: w.strip()), max_size=8))
def test_a_retry_only_ever_removes_words(words: list[str]) -> None:
    query = " ".join(words)
    result = without_generic_words(query)
    if result is None:
        return
    assert result.query and result.dropped
    assert len(result.query.split()) < len(query.split()) + 1
    assert all(word in query.replace("’", "'") for word in result.query.split())


def test_the_list_holds_the_words_of_the_issue() -> None:
    for word in ("donnees", "data", "fichier", "fichiers", "csv", "json", "liste", "jeu", "jeux"):
        assert word in GENERIC_WORDS
    for word in ("base", "open", "ouvertes"):
        assert word in GENERIC_WORDS
