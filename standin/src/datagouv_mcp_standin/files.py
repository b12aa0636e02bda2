"""Resource files: `/static/...` (recorded and generated resource URLs) and `/files/...`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from datagouv_mcp_standin import file_formats as fmt
from datagouv_mcp_standin.catalog import Catalogue
from datagouv_mcp_standin.records import Json, main_format
from datagouv_mcp_standin.table_families import FAMILIES, generate_rows
from datagouv_mcp_standin.tables import TableRegistry, digest
from datagouv_mcp_standin.vocabulary import MIME_TYPES

SAMPLE_FORMATS = ("csv", "csv.gz", "json", "jsonl", "xlsx", "zip", "pdf", "txt", "xml", "geojson")
SAMPLE_ROWS = 50
MAX_GENERATED_ROWS = 1_000_000_000
MAX_GENERATED_COLUMNS = 50


def _sample(seed: int, count: int = SAMPLE_ROWS) -> tuple[list[str], list[tuple[Any, ...]]]:
    header = [c.name for c in FAMILIES["communes"][0]]
    return header, [row[1:] for row in generate_rows("communes", seed, count)]


def render(
    kind: str, title: str, header: list[str], rows: Iterable[tuple[Any, ...]], name: str
) -> tuple[Iterator[bytes] | bytes, str]:
    """(body, content type) of rows in the format `kind`; CSV variants stream."""
    media = MIME_TYPES.get(kind, "application/octet-stream")
    if kind == "csv":
        return fmt.csv_chunks(header, rows), "text/csv; charset=utf-8"
    if kind == "csv.gz":
        return fmt.gzip_chunks(fmt.csv_chunks(header, rows)), "application/gzip"
    builders = {
        "json": lambda: fmt.json_bytes(header, rows),
        "jsonl": lambda: fmt.jsonl_bytes(header, rows),
        "xlsx": lambda: fmt.xlsx_bytes(header, rows),
        "xls": lambda: fmt.xlsx_bytes(header, rows),
        "zip": lambda: fmt.zip_bytes(f"{name}.csv", header, rows),
        "geojson": lambda: fmt.geojson_bytes(header, rows),
        "xml": lambda: fmt.xml_bytes(header, rows),
        "pdf": lambda: fmt.pdf_bytes(title),
    }
    build = builders.get(kind)
    if build is None:
        return fmt.text_bytes(title, header, rows), "text/plain; charset=utf-8"
    return build(), media


def _respond(body: Iterator[bytes] | bytes, media: str, filename: str | None = None) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{filename}"'} if filename else None
    if isinstance(body, bytes):
        return Response(body, media_type=media, headers=headers)
    return StreamingResponse(body, media_type=media, headers=headers)


def resource_file(catalogue: Catalogue, tables: TableRegistry, path: str) -> Response:
    """The file behind a resource URL, in the resource's format.

    For a resource the Tabular API serves, the file holds exactly the rows of its table.
    """
    found = catalogue.resource_for_path(path)
    if found is None:
        return Response("Not Found", 404, media_type="text/plain")
    resource: Json = found[0]
    rid = str(resource["id"])
    filename = path.rsplit("/", 1)[-1]
    kind = main_format(resource.get("format")) or filename.split(".", 1)[-1]
    if kind not in MIME_TYPES and filename.endswith(".csv"):
        kind = "csv"
    table = tables.get(rid)
    title = str(resource.get("title") or filename)
    if table is not None:
        header = table.names
        rows: Iterable[tuple[Any, ...]] = (row[1:] for row in table.rows())
    else:
        header, rows = _sample(digest(rid))
    body, media = render(kind, title, header, rows, filename.split(".", 1)[0])
    return _respond(body, media, filename)


async def static_file(request: Request) -> Response:
    return resource_file(request.app.state.catalogue, request.app.state.tables, request.url.path)


async def sample_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name == "logo.png":
        return Response(fmt.PNG_PIXEL, media_type="image/png")
    stem, _, kind = name.partition(".")
    if stem != "sample" or kind not in SAMPLE_FORMATS:
        return Response("Not Found", 404, media_type="text/plain")
    header, rows = _sample(7)
    body, media = render(kind, "Fichier d'exemple du stand-in", header, rows, "sample")
    if not isinstance(body, bytes):
        body = b"".join(body)
    return Response(body, media_type=media)


async def redirect_to(request: Request) -> Response:
    """`/files/redirect?to=URL[&status=302]`: a redirect anywhere, for guarded-fetch tests."""
    target = request.query_params.get("to")
    status = request.query_params.get("status", "302")
    if not target or status not in ("301", "302", "303", "307", "308"):
        return JSONResponse({"message": "give ?to=<url> and a 3xx status"}, 400)
    return Response(status_code=int(status), headers={"Location": target})


async def files_index(request: Request) -> Response:
    listing = [f"/files/sample.{k}" for k in SAMPLE_FORMATS]
    listing.append("/files/generated.csv?rows=N&cols=M&seed=S")
    listing.append("/files/redirect?to=URL&status=302")
    return JSONResponse({"files": listing})


async def generated_file(request: Request) -> Response:
    """`/files/generated.csv?rows=N&cols=M&seed=S`: streamed, never held in memory."""
    args = request.query_params
    try:
        rows = min(MAX_GENERATED_ROWS, max(0, int(args.get("rows", "1000"))))
        columns = min(MAX_GENERATED_COLUMNS, max(1, int(args.get("cols", "5"))))
        seed = int(args.get("seed", "0"))
    except ValueError:
        return JSONResponse({"message": "rows, cols and seed must be integers"}, 400)
    body = fmt.generated_csv(rows, columns, seed)
    if args.get("gzip") in ("1", "true"):
        return StreamingResponse(fmt.gzip_chunks(body), media_type="application/gzip")
    return StreamingResponse(body, media_type="text/csv; charset=utf-8")
