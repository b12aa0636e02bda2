"""API descriptions: OpenAPI 3.0 and 3.1, Swagger 2, JSON and YAML read and summarised;
`$ref` parameters and path-level ones resolved, cycles cut; a huge description stays within
its budget; anything else is an OpenApiError saying what the document is. Hypothesis over
random descriptions, and the recorded ones as examples."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings

from datagouv_mcp.upstream import Document
from datagouv_mcp_dataservices import testing
from datagouv_mcp_dataservices.openapi import OpenApiError, parse_spec, summarise
from datagouv_mcp_dataservices.testing import descriptions, json_values
from datagouv_mcp_dataservices.tools import ParsedSpecs
from datagouv_mcp_standin import sample_apis

relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(descriptions)
def test_any_description_is_summarised_without_crashing(document: dict[str, Any]) -> None:
    spec = summarise(document)
    assert all(op.method in {"GET", "POST"} for op in spec.operations)


@relaxed
@given(json_values)
def test_any_json_is_read_or_refused_with_a_reason(value: Any) -> None:
    """Either a summary or an OpenApiError with a message: nothing else escapes."""
    refusal = None
    try:
        parse_spec(json.dumps(value).encode())
    except OpenApiError as exc:
        refusal = str(exc)
    assert refusal is None or refusal.strip()


@pytest.mark.parametrize("name", sorted(testing.openapi_documents()))
def test_the_recorded_descriptions_are_summarised(name: str) -> None:
    spec = parse_spec(testing.openapi_documents()[name])
    assert spec.format.startswith("OpenAPI 3.0") and spec.title and spec.operations


def test_openapi_3_1_parameters_refs_cycles_bodies_and_responses() -> None:
    spec = parse_spec(json.dumps(sample_apis.openapi_31()).encode())
    assert (spec.format, spec.title, spec.version) == ("OpenAPI 3.1.0", "API d'essai", "2.4.0")
    assert spec.servers == ["https://api.example.org/essai/v2"]
    assert spec.security == ["apiKey: API key in header 'X-API-KEY'", "oauth: OAuth 2"]
    operations = {(op.method, op.path): op for op in spec.operations}
    listing = operations[("GET", "/communes")]
    # A $ref parameter resolved next to plain ones.
    assert [(p.name, p.location, p.type) for p in listing.parameters] == [
        ("page", "query", "integer"), ("page_size", "query", "integer"), ("nom", "query", "string"),
    ]  # fmt: skip
    assert listing.response == "200: Les communes (array of Commune)"
    one = operations[("GET", "/communes/{code}")]
    # The path-level parameter, itself a $ref, applies to each operation of the path.
    assert [(p.name, p.location, p.required) for p in one.parameters] == [("code", "path", True)]
    created = operations[("POST", "/communes")]
    assert created.body_type == "application/json"
    assert [(f.name, f.type, f.required) for f in created.body or []] == [
        ("code", "string", True), ("nom", "string", False), ("population", "integer", False),
    ]  # fmt: skip
    # A parameter whose $ref loops is cut, not followed forever.
    assert [p.name for p in operations[("DELETE", "/communes/{code}")].parameters] == ["code"]
    # A schema that refers to itself reads as its name.
    assert operations[("GET", "/arbres")].response == "200: Un arbre (object Node)"


def test_swagger_2_in_yaml() -> None:
    spec = parse_spec(yaml.safe_dump(sample_apis.swagger_2()).encode(), "application/yaml")
    assert spec.format == "Swagger 2.0"
    assert spec.servers == ["https://api.example.org/swagger/v1"]
    assert spec.security == ["basic: HTTP basic"]
    put = next(op for op in spec.operations if op.method == "PUT")
    assert [p.name for p in put.parameters] == ["siren"]  # the path-level $ref parameter
    assert sorted(f.name for f in put.body or []) == ["denomination", "siren"]  # a body parameter


def test_a_huge_description_is_read_whole_and_quickly() -> None:
    spec = parse_spec(json.dumps(sample_apis.huge(5000)).encode())
    assert len(spec.operations) == 5000


def test_a_description_beyond_the_node_budget_is_refused() -> None:
    paths = {
        f"/p{n}": {"get": {"parameters": [{"name": f"q{i}", "in": "query"} for i in range(100)]}}
        for n in range(6000)
    }
    with pytest.raises(OpenApiError, match="too intricate"):
        summarise({"openapi": "3.0.0", "paths": paths})


def test_yaml_aliases_are_not_expanded() -> None:
    """A billion-laughs YAML: the summary walks what it uses, never the expansion."""
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"  # noqa: E501
        for i in range(12)
    )
    document = (
        "openapi: 3.0.0\ninfo: {title: t}\n" + laughs + "paths: {/p: {get: {parameters: *m}}}\n"
    )
    spec = parse_spec(document.encode())
    assert [op.parameters for op in spec.operations] == [[]]


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        (b"<!DOCTYPE html><html></html>", "text/html", "an HTML page"),
        (
            b'{"bonjour": "le monde"}',
            "application/json",
            "no `openapi` or `swagger` field; its keys: bonjour",
        ),
        (b"[1, 2]", "application/json", "a list in JSON or YAML"),
        (b"<?xml version='1.0'?><a/>", "application/xml", "an XML document"),
        (b"key: [unclosed", "application/yaml", "not valid YAML"),
        (b'{"openapi": "3.0.0", ', "application/json", "not valid JSON"),
        (b"", "application/json", "an empty document"),
        (b"just a sentence", "text/plain", "a str in JSON or YAML"),
    ],
)
def test_what_is_not_an_api_description_says_what_it_is(
    body: bytes, content_type: str, said: str
) -> None:
    with pytest.raises(OpenApiError) as caught:
        parse_spec(body, content_type)
    assert said in str(caught.value)


def test_an_operation_without_summary_shows_its_description_start() -> None:
    document = {
        "openapi": "3.0.0",
        "paths": {
            "/a": {"get": {"description": "Renvoie les communes.\n\nPaginé: " + "x" * 1000}},
            "/b": {"get": {"summary": "Court", "description": "Long"}},
        },
    }
    first, second = summarise(document).operations
    assert first.summary is not None and first.summary.startswith("Renvoie les communes. Paginé")
    assert len(first.summary) <= 300
    assert second.summary == "Court"


@pytest.mark.anyio
async def test_a_description_is_summarised_once_per_content() -> None:
    def document(title: str, url: str = "https://api.example.org/openapi.json") -> Document:
        body = json.dumps({"openapi": "3.0.0", "info": {"title": title}, "paths": {}})
        return Document(url, "application/json", body.encode(), fetched_at=0.0)

    specs = ParsedSpecs(size=2)
    first = await specs.summary(document("a"))
    assert await specs.summary(document("a")) is first  # paging: the same summary
    changed = await specs.summary(document("b"))  # the document changed upstream
    assert changed.title == "b"
    await specs.summary(document("c", url="https://api.example.org/other.json"))
    assert await specs.summary(document("a")) is not first  # the oldest was let go
