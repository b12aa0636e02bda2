"""A dataset of test files: one resource per file format the gateway may meet, generated CSVs
of 10 MB, 1 GB and 4 GB (streamed, never held in memory), tables of the Tabular API of a known
size (with and without a Parquet export), and resources whose URL the gateway's guarded
fetch must refuse. Always in the catalogue, marked generated.
"""

from __future__ import annotations

from datagouv_mcp_standin.fillers import GENERATED_MARK, skeleton_dataset
from datagouv_mcp_standin.generated_parts import resource_body
from datagouv_mcp_standin.records import PARQUET_URL, Json
from datagouv_mcp_standin.rewrite import STANDIN_ORIGIN

DATASET_ID = "5f7e57f11e5000000000f11e"
SLUG = "fichiers-d-essai-du-stand-in"
CREATED = "2026-09-01T00:00:00+00:00"
BYTES_PER_ROW = 37  # a generated CSV row of 5 columns, on average


def _rid(n: int) -> str:
    return f"f11e0000-0000-4000-8000-{n:012d}"


SAMPLES = {
    "csv": _rid(1),
    "csv.gz": _rid(2),
    "json": _rid(3),
    "jsonl": _rid(4),
    "geojson": _rid(5),
    "xlsx": _rid(6),
    "zip": _rid(7),
    "pdf": _rid(8),
    "xml": _rid(9),
    "txt": _rid(10),
}
GENERATED = {  # resource id: (rows, gzip)
    _rid(11): (10 * 1024**2 // BYTES_PER_ROW, False),
    _rid(12): (1024**3 // BYTES_PER_ROW, False),
    _rid(13): (4 * 1024**3 // BYTES_PER_ROW, False),
    _rid(14): (4 * 1024**3 // BYTES_PER_ROW, True),
}
# Tables of the Tabular API (family `mesures`: commune, departement, annee, indicateur,
# valeur, nombre), their file holding the same rows: resource id -> (rows, Parquet export).
TABLES = {
    _rid(30): (1_000, True),
    _rid(31): (1_000_000, True),
    _rid(32): (1_000, False),  # parsed, but published without a Parquet export
}
TABLE_FAMILY = "mesures"
# 127.0.0.2 is loopback but not in the gateway's fetch allowlist: refused by classification,
# before any connection. Port 9 (discard) would answer nothing anyway.
REFUSED_URL = "http://127.0.0.2:9/refused.csv"
REFUSED = {
    _rid(20): REFUSED_URL,
    _rid(21): f"{STANDIN_ORIGIN}/files/redirect?to={REFUSED_URL}&status=302",
}


def _resource(rid: str, title: str, fmt: str, url: str, size: int | None) -> Json:
    body = resource_body(rid, title, fmt, "main", url, CREATED, tabular=False, remote=True)
    body["filesize"] = size
    body["extras"][GENERATED_MARK] = True
    return body


def files_dataset() -> Json:
    resources = [
        _resource(
            rid, f"Échantillon {fmt.upper()}", fmt, f"{STANDIN_ORIGIN}/files/sample.{fmt}", None
        )
        for fmt, rid in SAMPLES.items()
    ]
    for rid, (rows, gzip) in GENERATED.items():
        size = rows * BYTES_PER_ROW
        fmt = "csv.gz" if gzip else "csv"
        url = f"{STANDIN_ORIGIN}/files/generated.csv?rows={rows}" + ("&gzip=1" if gzip else "")
        title = f"CSV généré de {size / 1024**3:.2f} Go" + (" compressé" if gzip else "")
        resources.append(_resource(rid, title, fmt, url, None if gzip else size))
    for rid, (rows, parquet) in TABLES.items():
        url = f"https://static.data.gouv.fr/resources/{SLUG}/{rid}.csv"
        body = resource_body(rid, f"Mesures d'essai, {rows:_} lignes".replace("_", " "), "csv",
                             "main", url, CREATED, tabular=True)  # fmt: skip
        body["filesize"] = rows * BYTES_PER_ROW
        body["extras"][GENERATED_MARK] = True
        if not parquet:
            del body["extras"][PARQUET_URL]
        resources.append(body)
    for rid, url in REFUSED.items():
        resources.append(_resource(rid, "Fichier à une adresse refusée", "csv", url, None))
    body = skeleton_dataset(DATASET_ID, resources)
    body.update(
        {
            "slug": SLUG,
            "title": "Fichiers d'essai du stand-in",
            "description": "Un fichier par format, de gros CSV générés, des adresses refusées.",
            "page": f"https://www.data.gouv.fr/datasets/{SLUG}",
        }
    )
    return body
