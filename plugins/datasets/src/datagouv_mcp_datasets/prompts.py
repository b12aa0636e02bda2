"""MCP prompts for the common workflows: harvest a keyword, discover a third-party API and its
endpoints, deep-extract one dataset with a preview of its tables, answer a question from a
tabular resource. Each names only the tools the running server offers."""

from __future__ import annotations

from collections.abc import Container
from typing import Annotated

from pydantic import Field

from datagouv_mcp import PluginContext, PromptSpec
from datagouv_mcp.arguments import object_id_or_slug
from datagouv_mcp.text import inline
from datagouv_mcp_datasets.arguments import FIND_DATASET

Words = Annotated[str, Field(description="Keywords, e.g. 'qualité de l'air'.", max_length=200)]


def _steps(*steps: str | None) -> str:
    kept = [step for step in steps if step]
    return "\n".join(f"{number}. {step}" for number, step in enumerate(kept, 1))


def _if(tools: Container[str], name: str, text: str) -> str | None:
    return text if name in tools else None


def harvest_keyword(context: PluginContext) -> PromptSpec:
    async def render(keyword: Words, max_datasets: Annotated[str, Field(
        description="How many records, 1 to 20 (default 10).")] = "10") -> str:  # fmt: skip
        words = inline(keyword, 200)
        count = max_datasets.strip() if max_datasets.strip().isdigit() else "10"
        return f"Harvest the data.gouv.fr datasets about '{words}' as clean records.\n\n" + _steps(
            f"Call harvest_datasets with query '{words}' and max_datasets {count}; if it "
            "finds nothing, retry with fewer or more general words.",
            "For each record, report title, organization, licence, last update, formats "
            "and the number of resources, as a table.",
            "Say how many datasets the search finds in all (total_results); for all of "
            f'them, suggest `datagouv-mcp harvest "{words}" --out records.jsonl` on the '
            "command line.",
        )

    return PromptSpec(
        "harvest_keyword",
        "Harvest datasets for a keyword",
        "Collect the normalised records of the datasets a keyword finds.",
        render,
    )


def discover_api(context: PluginContext) -> PromptSpec:
    async def render(topic: Words) -> str:
        tools = context.tools
        words = inline(topic, 200)
        return f"Find a third-party API on data.gouv.fr about '{words}' and its endpoints.\n\n" + (
            _steps(
                _if(
                    tools,
                    "search_dataservices",
                    f"Call search_dataservices with query '{words}' and pick the most relevant "
                    "APIs (title, organization, access).",
                ),
                _if(
                    tools,
                    "get_dataservice_info",
                    "Call get_dataservice_info on each: base URL, documentation, access "
                    "conditions, rate limits.",
                ),
                _if(
                    tools,
                    "get_dataservice_openapi_spec",
                    "Call get_dataservice_openapi_spec to list its endpoints: method, path, "
                    "parameters, what each returns.",
                ),
                f"Call search_datasets with query '{words}', then get_dataset_record on the "
                "best hits: their api_endpoints list the datasets' own APIs and the "
                "dataservices that use them.",
                "Answer with each API's base URL, its main endpoints and how to call one.",
            )
        )

    return PromptSpec(
        "discover_api",
        "Discover an API and its endpoints",
        "Find a catalogued third-party API for a topic, and list its endpoints.",
        render,
    )


def deep_extract_dataset(context: PluginContext) -> PromptSpec:
    async def render(dataset_id: Annotated[str, Field(
        description="A dataset's ID or slug, from search_datasets.")]) -> str:  # fmt: skip
        checked = object_id_or_slug(dataset_id, "dataset", FIND_DATASET)
        tools = context.tools
        preview = (
            "For each resource with tabular_api_available true, call query_resource_data "
            "with its id and page_size 5 to preview its columns and first rows."
            if "query_resource_data" in tools
            else "List the resources' formats, sizes and URLs."
        )
        return f"Extract everything about the data.gouv.fr dataset '{checked}'.\n\n" + _steps(
            f"Call get_dataset_record with dataset_id '{checked}'.",
            preview,
            _if(tools, "get_metrics", "Call get_metrics for its recent visits and downloads."),
            "Report: what it holds, who publishes it, licence, update frequency and last "
            "update, coverage, each resource (format, size, URL, schema), the preview, "
            "quality signals, and the related datasets.",
        )

    return PromptSpec(
        "deep_extract_dataset",
        "Deep-extract a dataset",
        "A dataset's whole record, with a preview of its tabular resources.",
        render,
    )


def answer_from_table(context: PluginContext) -> PromptSpec:
    async def render(question: Annotated[str, Field(
        description="The question, e.g. 'Which commune has the most cycle lanes?'",
        max_length=500)]) -> str:  # fmt: skip
        tools = context.tools
        asked = inline(question, 500)
        sql = _if(tools, "query_resource_sql",
                  "For counts, sums or rankings over the whole table, call query_resource_sql "
                  "(read-only SQL) instead of paging.")  # fmt: skip
        query = (
            "Call query_resource_data with filters and a sort that answer the question."
            if "query_resource_data" in tools
            else "Download the file from its URL and read the rows that answer it."
        )
        return f"Answer from a data.gouv.fr table: {asked}\n\n" + _steps(
            "Call search_datasets with a few distinctive keywords of the question.",
            "Call list_dataset_resources on the best dataset and pick a resource marked "
            "'Tabular API: yes'.",
            _if(tools, "get_resource_info", "Call get_resource_info for its columns and types."),
            query,
            sql,
            "Answer with the figures, and name the dataset, the resource and the filters used.",
        )

    return PromptSpec(
        "answer_from_table",
        "Answer a question from a table",
        "Find a tabular resource that answers a question, query it, and answer.",
        render,
    )


def build(context: PluginContext) -> list[PromptSpec]:
    return [
        harvest_keyword(context),
        discover_api(context),
        deep_extract_dataset(context),
        answer_from_table(context),
    ]
