"""GET /metrics: what the server counts, read the way Prometheus reads it (over HTTP, parsed by
prometheus-client's own parser), and who may read it.

The metrics are the process's, shared by every server a test process runs: each test reads
them before and after what it does, and checks the difference."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import anyio
import httpx
import pytest
from mcp import Client

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp.testing.prometheus import Samples, parse, scrape
from datagouv_mcp.testing.servers import sample_only, serve_asgi
from datagouv_mcp.version import __version__
from datagouv_mcp.webapp import build_app
from datagouv_mcp_standin.testing import CorpusIds, Standin

DATASET = {"dataset_id": CorpusIds.POPULATION_DATASET_ID}


@pytest.fixture(scope="module")
def sample_url() -> Iterator[str]:
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        yield url


def _delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


@pytest.mark.anyio
async def test_tool_calls_are_counted_by_tool_and_outcome_with_their_latency(
    sample_url: str,
) -> None:
    before = scrape(sample_url)
    async with Client(f"{sample_url}/mcp", mode="legacy") as client:
        for _ in range(2):
            await client.call_tool("echo", {"text": "bonjour"})
        await client.call_tool("refuse", {})
        await client.call_tool("explode", {})
        await client.call_tool("echo", {"text": ""})  # refused by its argument check
    after = scrape(sample_url)
    calls = "datagouv_mcp_tool_calls_total"
    assert _delta(before, after, calls, tool="echo", outcome="ok") == 2
    assert _delta(before, after, calls, tool="echo", outcome="error") == 1
    assert _delta(before, after, calls, tool="refuse", outcome="error") == 1
    assert _delta(before, after, calls, tool="explode", outcome="crash") == 1
    errors = "datagouv_mcp_tool_errors_total"
    assert _delta(before, after, errors, tool="refuse", code="refused") == 1
    assert _delta(before, after, errors, tool="explode", code="internal_error") == 1
    assert _delta(before, after, errors, tool="echo", code="invalid_argument") == 1
    latency = "datagouv_mcp_tool_call_duration_seconds"
    assert _delta(before, after, f"{latency}_count", tool="echo") == 3
    assert _delta(before, after, f"{latency}_bucket", tool="echo", le="+Inf") == 3
    assert 0 < _delta(before, after, f"{latency}_sum", tool="echo") < 3
    assert after.value("datagouv_mcp_tool_calls_in_flight") == 0


def test_build_info_names_the_version(sample_url: str) -> None:
    samples = scrape(sample_url)
    assert samples.value("datagouv_mcp_build_info", version=__version__) == 1


def test_every_documented_metric_is_exposed(sample_url: str) -> None:
    from pathlib import Path

    operating = (Path(__file__).parents[1] / "docs" / "operating.md").read_text()
    response = httpx.get(f"{sample_url}/metrics", timeout=10)
    families = {
        line.split()[2] for line in response.text.splitlines() if line.startswith("# HELP ")
    }
    ours = {name for name in families if name.startswith("datagouv_mcp_")}
    assert len(ours) >= 17
    for name in ours:
        assert f"`{name}" in operating, f"{name} is not in docs/operating.md"


def test_metrics_answer_in_the_prometheus_text_format_or_openmetrics(sample_url: str) -> None:
    plain = httpx.get(f"{sample_url}/metrics", timeout=10)
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/plain; version=")
    open_metrics = httpx.get(
        f"{sample_url}/metrics", headers={"Accept": "application/openmetrics-text"}, timeout=10
    )
    assert open_metrics.headers["content-type"].startswith("application/openmetrics-text")
    assert open_metrics.text.rstrip().endswith("# EOF")


def test_a_scraper_on_another_name_is_served_where_mcp_is_refused(sample_url: str) -> None:
    host = {"Host": "replica-3.internal:9100", "Origin": "http://grafana.internal"}
    assert httpx.get(f"{sample_url}/metrics", headers=host, timeout=10).status_code == 200
    refused = httpx.post(f"{sample_url}/mcp", json={}, headers=host, timeout=10)
    assert refused.status_code == 421


def test_metrics_need_no_bearer_token_but_are_restricted_by_address() -> None:
    tokens = ["a-long-enough-token-0123456789"]
    gateway = Gateway.build(sample_only(auth_tokens=tokens))
    with serve_asgi(build_app(gateway)) as url:
        assert httpx.get(f"{url}/metrics", timeout=10).status_code == 200
        assert httpx.post(f"{url}/mcp", json={}, timeout=10).status_code == 401


def test_an_address_outside_the_allowed_networks_is_refused_saying_which_setting() -> None:
    gateway = Gateway.build(sample_only(prometheus_allowed_addresses=["10.0.0.0/8"]))
    with serve_asgi(build_app(gateway)) as url:
        refused = httpx.get(f"{url}/metrics", timeout=10)
    assert refused.status_code == 403
    assert "127.0.0.1" in refused.text
    assert "DATAGOUV_MCP_PROMETHEUS_ALLOWED_ADDRESSES" in refused.text


def test_a_public_client_through_a_trusted_proxy_is_refused() -> None:
    gateway = Gateway.build(sample_only(trusted_proxies=["127.0.0.1"]))
    with serve_asgi(build_app(gateway)) as url:
        proxied = httpx.get(
            f"{url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10
        )
        internal = httpx.get(f"{url}/metrics", headers={"X-Forwarded-For": "10.1.2.3"}, timeout=10)
    assert proxied.status_code == 403
    assert "203.0.113.9" in proxied.text
    assert internal.status_code == 200


def test_metrics_switched_off_are_not_found() -> None:
    with serve_asgi(build_app(Gateway.build(sample_only(prometheus=False)))) as url:
        response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 404
    assert "DATAGOUV_MCP_PROMETHEUS=false" in response.text


@pytest.mark.anyio
async def test_upstream_requests_cache_hits_and_misses_are_counted(upstream: Standin) -> None:
    gateway = gateway_for(upstream.env(), plugins=["datasets"])
    with serve_asgi(build_app(gateway)) as url:
        before = scrape(url)
        async with Client(f"{url}/mcp", mode="legacy") as client:
            await client.call_tool("get_dataset_info", DATASET)
            await client.call_tool("get_dataset_info", DATASET)
        after = scrape(url)
    sent = upstream.requests("/api/")
    assert sent >= 1
    assert _delta(before, after, "datagouv_mcp_upstream_requests_total", api="api") == sent
    assert _delta(before, after, "datagouv_mcp_upstream_requests_total", status="200") == sent
    assert _delta(before, after, "datagouv_mcp_cache_lookups_total", result="miss") == sent
    assert _delta(before, after, "datagouv_mcp_cache_lookups_total", result="hit") == sent
    latency = "datagouv_mcp_upstream_request_duration_seconds_count"
    assert _delta(before, after, latency, api="api") == sent


@pytest.mark.anyio
async def test_retries_and_stale_answers_are_counted(upstream: Standin) -> None:
    gateway = gateway_for(
        upstream.env(), plugins=["datasets"], upstream={"cache_ttl_metadata_seconds": 0.2}
    )
    with serve_asgi(build_app(gateway)) as url:
        async with Client(f"{url}/mcp", mode="legacy") as client:
            await client.call_tool("get_dataset_info", DATASET)
            await asyncio.sleep(0.3)
            before = scrape(url)
            upstream.add_fault(route="*", kind="status", status=503)
            stale = await client.call_tool("get_dataset_info", DATASET)
            upstream.clear_faults()
        after = scrape(url)
    assert stale.is_error is False and stale.meta is not None and stale.meta["datagouv/stale"]
    failed = _delta(before, after, "datagouv_mcp_upstream_requests_total", status="503")
    assert failed >= 2  # the first try and at least one retry, all answered 503
    retries = _delta(before, after, "datagouv_mcp_upstream_retries_total", reason="503")
    assert retries == failed - _delta(before, after, "datagouv_mcp_stale_answers_total")
    assert _delta(before, after, "datagouv_mcp_stale_answers_total", api="api") >= 1


@pytest.mark.anyio
async def test_a_call_waiting_for_an_identical_request_in_flight_is_counted(
    upstream: Standin,
) -> None:
    gateway = gateway_for(upstream.env(), plugins=["datasets"])
    upstream.add_fault(route="/api/*", kind="latency", latency_ms=400)
    with serve_asgi(build_app(gateway)) as url:
        before = scrape(url)
        async with (
            Client(f"{url}/mcp", mode="legacy") as first,
            Client(f"{url}/mcp", mode="legacy") as second,
        ):
            await asyncio.gather(
                first.call_tool("get_dataset_info", DATASET),
                second.call_tool("get_dataset_info", DATASET),
            )
        after = scrape(url)
    waits = _delta(before, after, "datagouv_mcp_coalesced_waits_total", api="api")
    sent = _delta(before, after, "datagouv_mcp_upstream_requests_total", api="api")
    assert waits >= 1
    assert sent == upstream.requests("/api/")


@pytest.mark.anyio
async def test_waits_for_the_rate_budget_are_counted(upstream: Standin) -> None:
    gateway = gateway_for(
        upstream.env(), plugins=["datasets"], upstream={"requests_per_second": 1.0}
    )
    with serve_asgi(build_app(gateway)) as url:
        before = scrape(url)
        async with Client(f"{url}/mcp", mode="legacy") as client:
            for query in ("vélo", "train", "bus"):
                await client.call_tool("search_datasets", {"query": query})
        after = scrape(url)
    assert _delta(before, after, "datagouv_mcp_rate_budget_waits_total", api="api") >= 1
    assert _delta(before, after, "datagouv_mcp_rate_budget_wait_seconds_total", api="api") > 0.5


@pytest.mark.anyio
async def test_calls_in_flight_are_counted_while_they_run(upstream: Standin) -> None:
    gateway = gateway_for(upstream.env(), plugins=["datasets"])
    upstream.add_fault(route="/api/*", kind="latency", latency_ms=1500)
    with serve_asgi(build_app(gateway)) as url:
        async with (
            Client(f"{url}/mcp", mode="legacy") as client,
            anyio.create_task_group() as group,
        ):
            group.start_soon(client.call_tool, "get_dataset_info", DATASET)
            await anyio.sleep(0.7)
            during = await anyio.to_thread.run_sync(scrape, url)
        after = scrape(url)
    assert during.value("datagouv_mcp_tool_calls_in_flight") == 1
    assert after.value("datagouv_mcp_tool_calls_in_flight") == 0


def test_the_redis_gauge_reads_what_the_core_sets(sample_url: str) -> None:
    from datagouv_mcp import meters

    meters.redis_degraded("cache", True)
    degraded = scrape(sample_url).value("datagouv_mcp_redis_degraded", component="cache")
    meters.redis_degraded("cache", False)
    restored = scrape(sample_url).value("datagouv_mcp_redis_degraded", component="cache")
    assert (degraded, restored) == (1, 0)


def test_parse_reads_the_text_format() -> None:
    samples = parse('# TYPE x_total counter\nx_total{a="1"} 2.0\nx_total{a="2"} 3.0\n')
    assert samples.value("x_total") == 5
    assert samples.value("x_total", a="2") == 3
