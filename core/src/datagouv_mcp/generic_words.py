"""The no-results retry: data.gouv.fr's search requires every word of the query to match, so
words users add out of habit ("données", "fichier", "csv") can empty a search that would
otherwise find what they want. Pure."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Compared without accents and case. Words that describe the container (data, file, format)
# rather than the subject, and French/English function words.
GENERIC_WORDS = frozenset(
    {
        # data, datasets, open data
        "donnee", "donnees", "data", "dataset", "datasets", "jeu", "jeux", "base", "bases",
        "open", "opendata", "ouvert", "ouverte", "ouverts", "ouvertes", "publique", "publiques",
        "liste", "listes", "information", "informations", "statistique", "statistiques",
        # files and formats
        "fichier", "fichiers", "file", "files", "tableau", "tableaux", "csv", "json", "xml",
        "xls", "xlsx", "excel", "ods", "parquet", "geojson", "shapefile", "zip", "pdf", "api",
        "telecharger", "telechargement", "download",
        # function words
        "de", "des", "du", "d", "la", "le", "les", "l", "un", "une", "et", "ou", "en", "au",
        "aux", "sur", "pour", "par", "avec", "dans", "the", "of", "for", "and", "in", "on",
    }
)  # fmt: skip


def _key(word: str) -> str:
    """A word as compared: lower-case, without accents or surrounding punctuation."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.strip(".,;:!?()[]{}\"'«»’")


@dataclass(frozen=True)
class Simplified:
    query: str
    dropped: list[str]


def without_generic_words(query: str) -> Simplified | None:
    """The query without its generic words, or None when that would not be a new, non-empty
    query (a single word, nothing generic, or nothing but generic words)."""
    words = query.split()
    if len(words) < 2:
        return None
    kept, dropped = [], []
    for word in words:
        # "l'eau", "d'electricite": the elided article is generic, the rest is not.
        head, apostrophe, rest = word.replace("’", "'").partition("'")
        if apostrophe and rest and _key(head) in GENERIC_WORDS:
            dropped.append(head + apostrophe)
            word = rest
        if _key(word) in GENERIC_WORDS:
            dropped.append(word)
        else:
            kept.append(word)
    if not kept or not dropped:
        return None
    return Simplified(" ".join(kept), dropped)
