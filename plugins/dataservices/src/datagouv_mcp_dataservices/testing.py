"""Test helpers shipped with the plugin, for its tests and for third-party authors: the real
recorded dataservice bodies and OpenAPI documents, and Hypothesis strategies of API
descriptions. Requires the `testing` extra (Hypothesis and datagouv-mcp-standin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import example
from hypothesis import strategies as st

from datagouv_mcp.links import SiteLinks
from datagouv_mcp_standin.corpus import DEFAULT_CORPUS, recorded, recorded_bodies

F = TypeVar("F", bound=Callable[..., Any])

PROD_LINKS = SiteLinks(site="https://www.data.gouv.fr/", api="https://www.data.gouv.fr/api/")

__all__ = ["recorded"]


def dataservice_bodies() -> dict[str, Any]:
    """`/api/1/dataservices/{id}/` records (2024 fixtures, 2026 API Adresse)."""
    return {k: v for k, v in recorded_bodies("05_dataservices").items() if "_v1_" in k}


def search_bodies() -> dict[str, Any]:
    return {k: v for k, v in recorded_bodies("05_dataservices").items() if "_search_" in k}


def openapi_documents() -> dict[str, bytes]:
    """The recorded API descriptions (JSON OpenAPI 3.0.1, YAML OpenAPI 3.0.3), as bytes."""
    folder = DEFAULT_CORPUS / "10_openapi"
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if not path.name.endswith(".meta.json")
    }


def examples(bodies: dict[str, Any]) -> Callable[[F], F]:
    def apply(test: F) -> F:
        for body in bodies.values():
            test = example(body)(test)
        return test

    return apply


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.just({"$ref": "#/components/schemas/X"}),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=30,
)
refs = st.sampled_from(
    [
        "#/components/schemas/A",
        "#/components/parameters/P",
        "#/definitions/A",
        "#/x",
        "other.yaml#/y",
    ]
)
schemas = st.recursive(
    st.fixed_dictionaries({}, optional={"type": st.sampled_from(["string", "integer", "object"])})
    | st.builds(lambda ref: {"$ref": ref}, refs),
    lambda children: st.fixed_dictionaries(
        {}, optional={"properties": st.dictionaries(st.text(max_size=6), children, max_size=3),
                      "items": children, "allOf": st.lists(children, max_size=2)}
    ),
    max_leaves=10,
)  # fmt: skip
parameters = st.fixed_dictionaries(
    {}, optional={"name": st.text(max_size=8), "in": st.sampled_from(["query", "path", "body"]),
                  "schema": schemas, "$ref": refs, "required": st.booleans()},
)  # fmt: skip
operations = st.fixed_dictionaries(
    {}, optional={"summary": st.text(max_size=30), "parameters": st.lists(parameters, max_size=3),
                  "requestBody": st.fixed_dictionaries({"content": st.fixed_dictionaries(
                      {"application/json": st.fixed_dictionaries({"schema": schemas})})}),
                  "responses": st.dictionaries(st.sampled_from(["200", "201", "default", "404"]),
                                               st.fixed_dictionaries({}, optional={
                                                   "description": st.text(max_size=10),
                                                   "schema": schemas}), max_size=2),
                  "tags": st.lists(st.text(max_size=6), max_size=2)},
)  # fmt: skip
descriptions = st.fixed_dictionaries(
    {"openapi": st.sampled_from(["3.0.0", "3.1.0"]),
     "paths": st.dictionaries(st.text(max_size=10).map(lambda p: "/" + p),
                              st.dictionaries(st.sampled_from(["get", "post", "parameters"]),
                                              operations, max_size=2), max_size=4)},
    optional={"info": json_values, "servers": json_values, "components": st.fixed_dictionaries(
        {}, optional={"schemas": st.dictionaries(st.sampled_from(["A", "B"]), schemas, max_size=2),
                      "parameters": st.dictionaries(st.sampled_from(["P"]), parameters)})},
)  # fmt: skip
