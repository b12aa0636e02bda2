"""The dataservices tools through a real MCP client against the stand-in, SSRF cases included:
a documentation URL on a loopback address outside the fetch allowlist, or a redirect there,
is refused by classification before any connection (a canary on 127.0.0.2 counts requests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.clients import call_checked
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import CorpusIds, Standin, running_standin

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("upstream")]
OPENAPI_31 = CorpusIds.OPENAPI_31_DATASERVICE_ID
SWAGGER = CorpusIds.SWAGGER_2_DATASERVICE_ID
HUGE = CorpusIds.HUGE_API_DATASERVICE_ID


@pytest.fixture(scope="module")
def gateway(standin: Standin) -> Gateway:
    return gateway_for(standin.env(), plugins=["dataservices"])


async def call(gateway: Gateway, tool: str, **arguments: Any) -> Any:
    return await call_checked(gateway, tool, arguments)


# -- search_dataservices ---------------------------------------------------------------------


async def test_search_keeps_the_official_shape(gateway: Gateway) -> None:
    result = await call(gateway, "search_dataservices", query="adresse")
    text = result.content[0].text
    lines = text.splitlines()
    assert lines[0].startswith("Found ") and lines[0].endswith(
        "third-party API(s) for query: 'adresse'"
    )
    assert lines[1] == "Page 1 of results:"
    assert "1. API Adresse (Base Adresse Nationale - BAN)" in text
    assert "   ID: 672cf67802ef6b1be63b8975" in text
    assert "   Base API URL: https://data.geopf.fr/geocodage/" in text
    assert "   Access: open" in text
    restricted = "Access: restricted (request access: https://datapass.api.gouv.fr/demandes/api-ficoba/nouveau)"
    assert restricted in text
    assert result.structured_content["total"] == len(result.structured_content["dataservices"])
    # A long description is cut at a word near 200 characters, and says so.
    adresse = next(line for line in lines if line.startswith("   Description: L' API Adresse"))
    cut = adresse.removeprefix("   Description: ")
    assert cut.endswith("…") and 160 <= len(cut) <= 201


async def test_search_filters_and_pages(gateway: Gateway, upstream: Standin) -> None:
    result = await call(
        gateway, "search_dataservices", query="essai", tag="essai", access_type="restricted",
        organization="services-d-essai-du-stand-in", page_size=5,
    )  # fmt: skip
    data = result.structured_content
    assert [api["id"] for api in data["dataservices"]] == [SWAGGER]
    assert data["filters"]["organization"] == "5f7e57a91a5000000000a915"  # the slug, resolved
    paged = await call(gateway, "search_dataservices", query="essai", page_size=3)
    assert paged.structured_content["next_page"] == 2
    assert "More results: call search_dataservices with the same arguments and page=2." in (
        paged.content[0].text
    )


async def test_generic_words_are_dropped_when_nothing_matches(gateway: Gateway) -> None:
    result = await call(gateway, "search_dataservices", query="api données essai")
    data = result.structured_content
    assert data["effective_query"] == "essai" and data["dropped_words"] == ["api", "données"]
    assert "retried without the generic word(s): api, données" in result.content[0].text


async def test_an_empty_search_is_an_answer(gateway: Gateway) -> None:
    result = await call(gateway, "search_dataservices", query="zzzqqq")
    assert result.is_error is False
    lines = result.content[0].text.splitlines()
    assert lines[0] == "No third-party APIs found for query: 'zzzqqq'"
    assert lines[1].startswith("Next: call search_dataservices with fewer or other words")


# -- get_dataservice_info --------------------------------------------------------------------


async def test_info_gives_the_full_record_and_related_datasets_in_one_round_trip(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(gateway, "get_dataservice_info", dataservice_id=OPENAPI_31)
    text, data = result.content[0].text, result.structured_content
    assert text.startswith("Third-party API information: API d'essai OpenAPI 3.1\n\nID: ")
    for line in (
        "Base API URL: https://api.example.org/api-d-essai-openapi-3-1/v1/",
        "Rate limits: 50 requêtes par seconde",
        "Availability: 99.5%",
        "Access: open",
        "License: lov2",
        "Related datasets: 2",
        "1. Fichiers d'essai du stand-in (ID: 5f7e57f11e5000000000f11e)",
        "2. Population (ID: 53699d0ea3a729239d205b2e)",
    ):
        assert line in text
    assert [d["id"] for d in data["datasets"]] == [
        "5f7e57f11e5000000000f11e", "53699d0ea3a729239d205b2e",
    ]  # fmt: skip
    assert upstream.stats()["total"] == 2  # the record and the datasets, at once


async def test_restricted_access_says_where_to_ask(gateway: Gateway) -> None:
    result = await call(gateway, "get_dataservice_info", dataservice_id="api-d-essai-swagger-2")
    assert "Access: restricted (request access: " in result.content[0].text
    assert result.structured_content["dataservice"]["id"] == SWAGGER


async def test_an_unknown_api_is_not_found_and_a_bad_id_never_leaves(
    gateway: Gateway, upstream: Standin
) -> None:
    missing = await call(gateway, "get_dataservice_info", dataservice_id="0" * 24)
    bad = await call(gateway, "get_dataservice_info", dataservice_id="../../1/users/me")
    assert missing.content[0].text.startswith(
        f"Error: Third-party API not found (dataservice_id='{'0' * 24}')."
    )
    assert bad.content[0].text.startswith("Error: Invalid dataservice ID '../../1/users/me'")
    assert upstream.stats()["total"] == 2  # the record and its datasets; nothing for the bad id


# -- get_dataservice_openapi_spec ------------------------------------------------------------


async def test_an_openapi_3_1_description_is_summarised(gateway: Gateway) -> None:
    result = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=OPENAPI_31)
    text = result.content[0].text
    for line in (
        "OpenAPI spec for: API d'essai OpenAPI 3.1",
        "Base API URL: https://api.example.org/api-d-essai-openapi-3-1/v1/",
        "API: API d'essai",
        "Version: 2.4.0",
        "Format: OpenAPI 3.1.0",
        "  - https://api.example.org/essai/v2",
        "  - apiKey: API key in header 'X-API-KEY'",
        "Endpoints (5 operations; 1-5 shown):",
        "  GET /communes/{code}",
        "    Une commune",
        "      - code [path, string] (required): Code INSEE.",
        "    Body (application/json): code (string, required), nom (string), population (integer)",
        "    Returns 200: La commune (object Commune)",
    ):
        assert line in text, line
    assert result.structured_content["operations_total"] == 5


async def test_a_swagger_2_yaml_description_is_summarised(gateway: Gateway) -> None:
    result = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=SWAGGER)
    text = result.content[0].text
    assert "Format: Swagger 2.0" in text
    assert "  - https://api.example.org/swagger/v1" in text
    assert "  PUT /entreprises/{siren}" in text


async def test_a_huge_description_stays_bounded_and_pages(gateway: Gateway) -> None:
    first = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=HUGE)
    text = first.content[0].text
    assert len(text) < 10_000
    assert "Endpoints (3,000 operations; 1-30 shown):" in text
    assert "More operations: 2,970 remain; call again with page=2" in text
    narrowed = await call(
        gateway, "get_dataservice_openapi_spec", dataservice_id=HUGE, tag="groupe-3",
        path_filter="/ressources/12", method="get", page_size=5,
    )  # fmt: skip
    data = narrowed.structured_content
    assert data["operations_matching"] == 11  # /ressources/12, 123, 1203...: those of groupe-3
    assert [op["path"] for op in data["spec"]["operations"]][:2] == [
        "/ressources/123", "/ressources/1203",
    ]  # fmt: skip


async def test_the_description_is_fetched_once_then_cached(
    gateway: Gateway, upstream: Standin
) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        await client.call_tool("get_dataservice_openapi_spec", {"dataservice_id": OPENAPI_31})
        await client.call_tool(
            "get_dataservice_openapi_spec", {"dataservice_id": OPENAPI_31, "page": 2}
        )
    assert upstream.requests("/files/openapi/") == 1


@pytest.mark.parametrize(
    ("dataservice_id", "said"),
    [
        (CorpusIds.HTML_DOC_DATASERVICE_ID, "holds an HTML page, not an API description"),
        (CorpusIds.NOT_AN_API_DATASERVICE_ID, "its keys: bonjour, version"),
    ],
)
async def test_a_document_that_is_not_an_api_description_says_what_it_is(
    gateway: Gateway, dataservice_id: str, said: str
) -> None:
    result = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=dataservice_id)
    assert result.structured_content["code"] == "not_an_api_description"
    assert said in result.content[0].text
    assert "Its human documentation may help: https://doc.example.org/" in result.content[0].text


async def test_no_documentation_url_says_so_with_the_base_url(gateway: Gateway) -> None:
    rid = CorpusIds.NO_DOC_DATASERVICE_ID
    result = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=rid)
    assert result.content[0].text.startswith(
        "Error: Third-party API 'API d'essai sans documentation machine' has no "
        "machine_documentation_url (dataservice catalog entry). Base API URL is: https://"
    )


@pytest.mark.parametrize(
    "dataservice_id",
    [CorpusIds.REFUSED_DOC_DATASERVICE_ID, CorpusIds.REDIRECT_DOC_DATASERVICE_ID],
)
async def test_openapi_spec_rejects_a_loopback_documentation_url(
    gateway: Gateway, dataservice_id: str
) -> None:
    result = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=dataservice_id)
    assert result.structured_content["code"] == "blocked_url"
    assert "127.0.0.2: loopback addresses are not reachable" in result.content[0].text


# -- a canary on 127.0.0.2: the refused address never sees a request ------------------------


class Canary(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose, read by the test

    def do_GET(self) -> None:
        Canary.hits.append(self.path)
        body = json.dumps({"openapi": "3.0.0", "info": {"title": "canary"}, "paths": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def canary() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.2", 0), Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Canary.hits.clear()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}/openapi.json"
    finally:
        server.shutdown()


def _corpus_with(root: Path, documentation_urls: dict[str, str]) -> Path:
    folder = root / "05_dataservices"
    folder.mkdir(parents=True)
    for id_, url in documentation_urls.items():
        body = {"id": id_, "slug": f"canary-{id_[-2:]}", "title": "Canary",
                "machine_documentation_url": url}  # fmt: skip
        (folder / f"{id_}.json").write_text(json.dumps(body))
        sidecar = {"endpoint": "GET /api/1/dataservices/{id}/", "status": 200,
                   "content_type": "application/json"}  # fmt: skip
        (folder / f"{id_}.meta.json").write_text(json.dumps(sidecar))
    return root


async def test_openapi_spec_fetch_never_reaches_a_refused_address(
    canary: str, tmp_path: Path
) -> None:
    direct, redirected = "5f7e57ca4a4700000000ca01", "5f7e57ca4a4700000000ca02"
    bounce = f"https://www.data.gouv.fr/files/redirect?to={canary}&status=302"
    corpus = _corpus_with(tmp_path, {direct: canary, redirected: bounce})
    with running_standin(corpus=corpus) as standin:
        gateway = gateway_for(standin.env(), plugins=["dataservices"])
        for dataservice_id in (direct, redirected):
            result = await call(
                gateway, "get_dataservice_openapi_spec", dataservice_id=dataservice_id
            )
            assert result.structured_content["code"] == "blocked_url"
        assert standin.requests("/files/redirect") == 1  # the redirect was read, not followed
    assert Canary.hits == []


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254: cloud metadata"),
        ("http://10.1.2.3/openapi.json", "10.1.2.3: private"),
        ("http://[::ffff:127.0.0.2]:9/openapi.json", "loopback"),
    ],
)
async def test_openapi_spec_refuses_internal_addresses_by_classification(
    url: str, said: str, tmp_path: Path
) -> None:
    """IP literals and other schemes: refused by what they are, before any connection."""
    dataservice_id = "5f7e57ca4a4700000000ca03"
    with running_standin(corpus=_corpus_with(tmp_path, {dataservice_id: url})) as standin:
        gateway = gateway_for(standin.env(), plugins=["dataservices"])
        result = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=dataservice_id)
    assert result.structured_content["code"] == "blocked_url", result.content[0].text
    assert said in result.content[0].text
    assert "Traceback" not in result.content[0].text


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1/x", "javascript:x"])
async def test_a_documentation_url_that_is_not_http_reads_as_none(url: str, tmp_path: Path) -> None:
    """Not an http(s) URL: the record's field reads as absent (core `fields.Link`), so it is
    neither fetched nor printed."""
    dataservice_id = "5f7e57ca4a4700000000ca04"
    with running_standin(corpus=_corpus_with(tmp_path, {dataservice_id: url})) as standin:
        gateway = gateway_for(standin.env(), plugins=["dataservices"])
        result = await call(gateway, "get_dataservice_openapi_spec", dataservice_id=dataservice_id)
        info = await call(gateway, "get_dataservice_info", dataservice_id=dataservice_id)
    assert result.structured_content["code"] == "no_api_description"
    assert url not in result.content[0].text and url not in info.content[0].text


# -- the resource template ---------------------------------------------------------------


async def test_the_dataservice_template_reads_a_record_and_names_the_tool_on_a_miss(
    gateway: Gateway,
) -> None:
    api = CorpusIds.API_ADRESSE_DATASERVICE_ID
    async with Client(build_server(gateway), mode="legacy") as client:
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource(f"datagouv://dataservices/{api}")
        with pytest.raises(MCPError, match="search_dataservices"):
            await client.read_resource("datagouv://dataservices/000000000000000000000000")
    assert [t.uri_template for t in templates] == ["datagouv://dataservices/{dataservice_id}"]
    assert json.loads(read.contents[0].text)["id"] == api  # type: ignore[union-attr]
