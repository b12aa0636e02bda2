"""Column layouts and deterministic row generators for synthesised Tabular API tables."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from datagouv_mcp_standin import vocabulary as vocab


@dataclass(frozen=True)
class Column:
    name: str
    python_type: str  # csv-detective: string, int, float, bool, date, datetime, json
    format: str  # csv-detective format label, e.g. code_commune, int, booleen


Values = tuple[Any, ...]
RowFactory = Callable[[random.Random, int], Values]

DEPARTEMENTS: tuple[str, ...] = (
    *(f"{n:02d}" for n in range(1, 20)),
    "2A",
    "2B",
    *(f"{n:02d}" for n in range(21, 96)),
    "971",
    "972",
    "973",
    "974",
    "976",
)


def place_name(rng: random.Random) -> str:
    prefix = rng.choice(vocab.NAME_PREFIXES)
    root = rng.choice(vocab.NAME_ROOTS)
    name = f"{prefix}{root.lower() if prefix and not prefix.endswith(('-', ' ')) else root}"
    return name + rng.choice(vocab.NAME_SUFFIXES)


def _maybe(rng: random.Random, value: Any, missing_percent: int) -> Any:
    return None if rng.randrange(100) < missing_percent else value


def _gentile(rng: random.Random, n: int) -> Values:
    dep = DEPARTEMENTS[min(len(DEPARTEMENTS) - 1, n * len(DEPARTEMENTS) // 35_000)]
    commune = place_name(rng)
    stem = commune.split("-")[-1].split(" ")[-1].rstrip("e")
    gentile = _maybe(rng, f"{stem}ois, {stem}oises", 9)
    return (f"{dep[:2]}{n % 1000:03d}", commune, dep, gentile)


def _commune(rng: random.Random, n: int) -> Values:
    dep = rng.choice(DEPARTEMENTS)
    return (
        f"{dep[:2]}{rng.randrange(1, 999):03d}",
        place_name(rng),
        dep,
        rng.randrange(50, 250_000),
        round(rng.uniform(1.0, 300.0), 2),
        (date(2015, 1, 1) + timedelta(days=rng.randrange(3650))).isoformat(),
    )


def _gare(rng: random.Random, n: int) -> Values:
    voyageurs = int(rng.paretovariate(1.1) * 20_000)
    return (
        f"87{rng.randrange(100_000, 999_999)}",
        f"Gare de {place_name(rng)}",
        rng.choice(DEPARTEMENTS),
        rng.choice(("a", "b", "c")),
        voyageurs,
        _maybe(rng, int(voyageurs * rng.uniform(0.8, 1.3)), 3),
        rng.random() < 0.93,
    )


def _radar(rng: random.Random, n: int) -> Values:
    limit = rng.choice((30, 50, 70, 80, 90, 110, 130))
    return (
        (date(2023, 1, 1) + timedelta(days=n * 365 // 60_000)).isoformat(),
        f"{rng.randrange(24):02d}:{rng.randrange(60):02d}",
        rng.choice(DEPARTEMENTS),
        max(5, int(rng.gauss(limit * 0.97, 8))),
        limit,
        round(rng.uniform(42.3, 51.0), 5),
        round(rng.uniform(-4.7, 8.2), 5),
    )


def _tiers_lieu(rng: random.Random, n: int) -> Values:
    kinds = ("coworking", "fablab", "atelier partagé", "café associatif", "friche culturelle")
    return (
        f"Tiers-lieu {place_name(rng)}",
        place_name(rng),
        f"{rng.choice(DEPARTEMENTS)[:2]}{rng.randrange(0, 999):03d}",
        rng.choice(kinds),
        rng.random() < 0.8,
        _maybe(rng, rng.randrange(40, 3000), 12),
        (date(2005, 1, 1) + timedelta(days=rng.randrange(7000))).isoformat(),
    )


def _mesure(rng: random.Random, n: int) -> Values:
    indicators = ("no2", "pm10", "pm25", "o3", "so2")
    return (
        place_name(rng),
        rng.choice(DEPARTEMENTS[:40]),
        2015 + rng.randrange(10),
        rng.choice(indicators),
        _maybe(rng, round(rng.uniform(0, 120), 2), 4),
        rng.randrange(0, 500),
    )


def _readme(rng: random.Random, n: int) -> Values:
    # The api-tabular README's test table; `decompte` is never 13 here, so the README's
    # filtered example still returns exactly its two recorded rows.
    decompte = rng.choice([d for d in range(30) if d != 13])
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
    return (
        f" {random.Random(n).getrandbits(128):032x}",  # noqa: S311
        round(rng.random(), 3),
        decompte,
        rng.random() < 0.5,
        born.isoformat(),
        str(list(range(rng.randrange(4)))),
    )


def _col(name: str, python_type: str, fmt: str | None = None) -> Column:
    return Column(name, python_type, fmt or python_type)


FAMILIES: dict[str, tuple[tuple[Column, ...], RowFactory]] = {
    "gentiles": (
        (
            _col("code_insee", "string", "code_commune"),
            _col("commune", "string", "commune"),
            _col("departement", "string", "code_departement"),
            _col("gentile", "string"),
        ),
        _gentile,
    ),
    "communes": (
        (
            _col("code_insee", "string", "code_commune"),
            _col("commune", "string", "commune"),
            _col("departement", "string", "code_departement"),
            _col("population", "int"),
            _col("superficie_km2", "float"),
            _col("date_maj", "date"),
        ),
        _commune,
    ),
    "gares": (
        (
            _col("code_uic", "string"),
            _col("nom_gare", "string"),
            _col("departement", "string", "code_departement"),
            _col("segment_drg", "string"),
            _col("total_voyageurs_2023", "int"),
            _col("total_voyageurs_2024", "int"),
            _col("accessible", "bool", "booleen"),
        ),
        _gare,
    ),
    "radars": (
        (
            _col("date", "date"),
            _col("heure", "string"),
            _col("departement", "string", "code_departement"),
            _col("mesure", "int"),
            _col("limite", "int"),
            _col("latitude", "float", "latitude_wgs"),
            _col("longitude", "float", "longitude_wgs"),
        ),
        _radar,
    ),
    "tiers_lieux": (
        (
            _col("nom", "string"),
            _col("commune", "string", "commune"),
            _col("code_postal", "string", "code_postal"),
            _col("typologie", "string"),
            _col("ouvert_au_public", "bool", "booleen"),
            _col("surface_m2", "int"),
            _col("date_creation", "date"),
        ),
        _tiers_lieu,
    ),
    "mesures": (
        (
            _col("commune", "string", "commune"),
            _col("departement", "string", "code_departement"),
            _col("annee", "int", "year"),
            _col("indicateur", "string"),
            _col("valeur", "float"),
            _col("nombre", "int"),
        ),
        _mesure,
    ),
    "readme": (
        (
            _col("id", "string"),
            _col("score", "float"),
            _col("decompte", "int"),
            _col("is_true", "bool", "booleen"),
            _col("birth", "date"),
            _col("liste", "json"),
        ),
        _readme,
    ),
}

_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("gentil", "gentiles"),
    ("gare", "gares"),
    ("radar", "radars"),
    ("vitesse", "radars"),
    ("tiers", "tiers_lieux"),
    ("population", "communes"),
    ("commune", "communes"),
    ("adresse", "communes"),
)


def family_for(text: str) -> str:
    """The row family a resource's title or URL suggests; `mesures` when nothing does."""
    lowered = text.lower()
    for keyword, family in _KEYWORDS:
        if keyword in lowered:
            return family
    return "mesures"


def generate_rows(family: str, seed: int, count: int, first_id: int = 1) -> Iterator[Values]:
    """`count` rows `(__id, *values)` of a family, identical for identical arguments."""
    _, factory = FAMILIES[family]
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    for n in range(first_id, first_id + count):
        yield (n, *factory(rng, n))
