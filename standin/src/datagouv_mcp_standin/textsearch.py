"""Text normalisation shared by search and slugs: accent folding, tokens, slugs."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9]+")
_SLUG_SEPARATORS = re.compile(r"[^a-z0-9]+")

# French (and a few English) function words. Elasticsearch's French analyser drops them, so
# "population de la France" must not fail the AND match on "de" and "la".
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "d",
        "un",
        "une",
        "ou",
        "par",
        "pour",
        "sur",
        "sa",
        "son",
        "ses",
        "qu",
        "que",
        "qui",
        "se",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
        "an",
        "at",
        "by",
    ]
)


_COMBINING = re.compile("[\u0300-\u036f]")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def fold(text: str) -> str:
    """Lower-case, accent-free text ("Épidémie" -> "epidemie")."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return _COMBINING.sub("", decomposed).casefold()


def tokens(text: str) -> list[str]:
    """Search words of `text`: folded, split on anything not alphanumeric, stop words out."""
    return [t for t in _TOKEN.findall(fold(text)) if t not in STOP_WORDS]


def slugify(text: str) -> str:
    """A udata-like slug: folded, words joined by hyphens."""
    return _SLUG_SEPARATORS.sub("-", fold(text)).strip("-")
