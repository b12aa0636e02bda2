"""download_and_parse_resource through a real MCP client against the stand-in: every format,
the guarded fetch refusing what it must, the byte and time caps, a 4 GB file read for its
first rows only, windows, and progress notifications received by the SDK client."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from mcp import Client

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp.testing.servers import serve_asgi
from datagouv_mcp.webapp import build_app
from datagouv_mcp_standin.testing import CorpusIds, Standin

from .conftest import call

SAMPLES = CorpusIds.SAMPLE_RESOURCE_IDS
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("upstream")]


def sample_rows(standin: Standin) -> list[dict[str, Any]]:
    """The 50 rows every /files/sample.* holds, from its JSON copy."""
    rows: list[dict[str, Any]] = httpx.get(f"{standin.url}/files/sample.json").json()
    return rows


@pytest.mark.parametrize(
    ("fmt", "read_as"),
    [
        ("csv", "csv"),
        ("csv.gz", "csv.gz"),
        ("json", "json"),
        ("jsonl", "jsonl"),
        ("geojson", "geojson"),
        ("xlsx", "xlsx"),
        ("zip", "zip/csv"),
    ],
)
async def test_every_format_reads_the_same_rows(
    gateway: Gateway, upstream: Standin, fmt: str, read_as: str
) -> None:
    result = await call(
        gateway, "download_and_parse_resource", resource_id=SAMPLES[fmt], max_rows=5
    )
    data = result.structured_content
    assert result.is_error is False, result.content[0].text
    assert data["format"] == read_as
    expected = sample_rows(upstream)[:5]
    for got, want in zip(data["rows"], expected, strict=True):
        assert str(got["code_insee"]) == str(want["code_insee"])
        assert got["commune"] == want["commune"]
    assert data["stopped_by"] == "max_rows" and data["more"] is True and data["next_offset"] == 5
    assert "More rows follow: call again with offset=5." in result.content[0].text


async def test_geojson_geometries_are_summarised(gateway: Gateway) -> None:
    result = await call(
        gateway, "download_and_parse_resource", resource_id=SAMPLES["geojson"], max_rows=1
    )
    assert result.structured_content["rows"][0]["geometry"] == "Point (2.0, 45.0)"


async def test_the_last_window_says_the_file_ends(gateway: Gateway) -> None:
    result = await call(
        gateway, "download_and_parse_resource", resource_id=SAMPLES["csv"], offset=45, max_rows=20
    )
    data = result.structured_content
    assert len(data["rows"]) == 5 and data["stopped_by"] == "end_of_file" and data["more"] is False
    assert "The file ends here (50 rows in all)." in result.content[0].text


@pytest.mark.parametrize(("fmt", "what"), [("pdf", "a PDF document"), ("xml", "an XML document")])
async def test_unsupported_formats_say_what_they_are_and_give_the_url(
    gateway: Gateway, fmt: str, what: str
) -> None:
    result = await call(gateway, "download_and_parse_resource", resource_id=SAMPLES[fmt])
    text = result.content[0].text
    assert result.structured_content["code"] == "unsupported_format"
    assert f"is {what}, which this tool does not read as rows" in text
    assert f"/files/sample.{fmt}" in text


async def test_download_rejects_a_loopback_address_outside_the_allowlist(
    gateway: Gateway, upstream: Standin
) -> None:
    # http://127.0.0.2:9/...: refused by classification, before any connection is made.
    rid = CorpusIds.REFUSED_URL_RESOURCE_ID
    result = await call(gateway, "download_and_parse_resource", resource_id=rid)
    assert result.structured_content["code"] == "blocked_url"
    assert "127.0.0.2: loopback addresses are not reachable" in result.content[0].text


async def test_download_rejects_a_redirect_to_a_loopback_address(
    gateway: Gateway, upstream: Standin
) -> None:
    rid = CorpusIds.REDIRECT_TO_REFUSED_RESOURCE_ID
    result = await call(gateway, "download_and_parse_resource", resource_id=rid)
    assert result.structured_content["code"] == "blocked_url"
    assert "127.0.0.2" in result.content[0].text
    assert upstream.requests("/files/redirect") == 1  # the redirect itself, and nothing after


async def test_a_4_gb_csv_is_read_for_its_first_rows_and_no_further(gateway: Gateway) -> None:
    result = await call(
        gateway, "download_and_parse_resource", resource_id=CorpusIds.CSV_4GB_RESOURCE_ID
    )
    data = result.structured_content
    assert [row["id"] for row in data["rows"]] == [str(n) for n in range(1, 21)]
    assert data["file_size"] > 4 * 10**9
    assert data["bytes_read"] < 1_000_000  # the read stopped after the rows it needed
    assert data["stopped_by"] == "max_rows"


async def test_a_later_window_of_a_compressed_4_gb_csv(gateway: Gateway) -> None:
    result = await call(
        gateway, "download_and_parse_resource", resource_id=CorpusIds.CSV_GZ_4GB_RESOURCE_ID,
        offset=100_000, max_rows=3,
    )  # fmt: skip
    data = result.structured_content
    assert data["format"] == "csv.gz"
    assert [row["id"] for row in data["rows"]] == ["100001", "100002", "100003"]


@pytest.fixture
def capped(standin: Standin, monkeypatch: pytest.MonkeyPatch) -> Gateway:
    monkeypatch.setenv("DATAGOUV_MCP_RESOURCES_DOWNLOAD_MAX_BYTES", "200000")
    monkeypatch.setenv("DATAGOUV_MCP_RESOURCES_SPREADSHEET_MAX_BYTES", "2000")
    return gateway_for(standin.env(), ["resources"])


async def test_a_read_past_the_byte_cap_stops_and_says_the_file_may_go_on(capped: Gateway) -> None:
    result = await call(
        capped, "download_and_parse_resource", resource_id=CorpusIds.CSV_10MB_RESOURCE_ID,
        offset=100_000,
    )  # fmt: skip
    data = result.structured_content
    assert data["stopped_by"] == "byte_cap" and data["more"] is None and data["rows"] == []
    assert data["bytes_read"] < 300_000
    assert "Reading stopped at the byte cap" in result.content[0].text


async def test_a_spreadsheet_over_its_cap_is_refused(capped: Gateway) -> None:
    result = await call(capped, "download_and_parse_resource", resource_id=SAMPLES["xlsx"])
    assert result.structured_content["code"] == "unreadable_file"
    assert "a spreadsheet over 2,000 bytes" in result.content[0].text


async def test_a_slow_file_stops_at_the_time_cap(
    standin: Standin, upstream: Standin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_RESOURCES_DOWNLOAD_MAX_SECONDS", "0.5")
    gateway = gateway_for(standin.env(), ["resources"])
    upstream.add_fault(
        route="/files/generated.csv", kind="slow_body", latency_ms=50, chunk_bytes=2048
    )
    result = await call(
        gateway, "download_and_parse_resource", resource_id=CorpusIds.CSV_10MB_RESOURCE_ID,
        offset=50_000,
    )  # fmt: skip
    assert result.structured_content["stopped_by"] == "time_cap"
    assert "Reading stopped at the time cap" in result.content[0].text


async def test_a_sheet_is_chosen_by_name_and_a_wrong_one_lists_the_sheets(gateway: Gateway) -> None:
    good = await call(
        gateway,
        "download_and_parse_resource",
        resource_id=SAMPLES["xlsx"],
        sheet="Feuil1",
        max_rows=1,
    )
    bad = await call(
        gateway, "download_and_parse_resource", resource_id=SAMPLES["xlsx"], sheet="Nope"
    )
    assert good.structured_content["details"]["sheets"] == ["Feuil1"]
    assert isinstance(good.structured_content["rows"][0]["population"], int)
    assert "no sheet named 'Nope'; the sheets are: Feuil1" in bad.content[0].text


async def test_a_zip_lists_its_members(gateway: Gateway) -> None:
    result = await call(
        gateway, "download_and_parse_resource", resource_id=SAMPLES["zip"], max_rows=1
    )
    assert result.structured_content["details"]["members"] == ["sample.csv"]
    missing = await call(
        gateway, "download_and_parse_resource", resource_id=SAMPLES["zip"], member="x.csv"
    )
    assert "no member named 'x.csv'; the archive holds: sample.csv" in missing.content[0].text


async def _progress_of(client: Client) -> list[tuple[float, float | None]]:
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    result = await client.call_tool(
        "download_and_parse_resource",
        {"resource_id": CorpusIds.CSV_10MB_RESOURCE_ID, "offset": 120_000, "max_rows": 2},
        progress_callback=on_progress,
    )
    assert result.is_error is False
    return seen


async def test_progress_notifications_reach_the_client_in_memory(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        seen = await _progress_of(client)
    assert len(seen) >= 3  # one per MiB read: 120,000 rows is about 4.4 MB
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    assert all(total is not None and total > 10**7 for _, total in seen)


async def test_progress_notifications_reach_the_client_over_http(gateway: Gateway) -> None:
    with serve_asgi(build_app(gateway)) as url:
        async with Client(f"{url}/mcp", mode="legacy") as client:
            seen = await _progress_of(client)
    assert len(seen) >= 3


@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
async def test_log_messages_reach_an_sse_client_that_set_a_level(gateway: Gateway) -> None:
    logs: list[tuple[str, object]] = []

    async def on_log(params: Any) -> None:
        logs.append((params.level, params.data))

    with serve_asgi(build_app(gateway)) as url:
        async with Client(f"{url}/mcp", mode="legacy", logging_callback=on_log) as client:
            await client.set_logging_level("info")
            seen = await _progress_of(client)
    assert len(seen) >= 3
    assert logs and logs[0][0] == "info" and str(logs[0][1]).startswith("Reading the file (")


async def test_the_resource_template_serves_the_record_and_completes_ids(
    gateway: Gateway,
) -> None:
    from mcp_types import ResourceTemplateReference

    rid = CorpusIds.GENTILES_RESOURCE_ID
    async with Client(build_server(gateway), mode="legacy") as client:
        read = await client.read_resource(f"datagouv://resources/{rid}")
        completion = await client.complete(
            ResourceTemplateReference(
                type="ref/resource", uri="datagouv://resources/{resource_id}"
            ),
            {"name": "resource_id", "value": "gentilés"},
        )
    record = json.loads(read.contents[0].text)  # type: ignore[union-attr]
    assert record["resource"]["id"] == rid and record["dataset_id"]
    assert rid in completion.completion.values
