"""get_metrics: one ToolSpec whose handler's signature is its input schema (the argument types
of arguments.py, checked by the core before it runs); the handler calls the Metrics API (and
the catalogue for titles), parses, and formats.

No `from __future__ import annotations` here: the handler's `limit` is bounded by a setting
(`max_months`), so its annotations must be evaluated where the handler is defined.
"""

import asyncio
import math
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from datagouv_mcp import (
    InvalidArgumentError,
    NotFoundError,
    PluginContext,
    ToolResult,
    ToolSpec,
    UnavailableError,
)
from datagouv_mcp.arguments import is_object_id
from datagouv_mcp.upstream import UpstreamError, UpstreamNotFound
from datagouv_mcp.upstream.settings import UpstreamSettings
from datagouv_mcp_metrics.arguments import (
    WHERE_IDS,
    DataserviceRef,
    DatasetRef,
    OrganizationRef,
    ResourceRef,
)
from datagouv_mcp_metrics.client import PAGE_SIZE_MAX, MetricsClient
from datagouv_mcp_metrics.formatters import LABELS, format_result, totals
from datagouv_mcp_metrics.models import Kind, MetricsResult, Month, Series
from datagouv_mcp_metrics.parsers import parse_id, parse_page, parse_title
from datagouv_mcp_metrics.settings import MetricsSettings

DESCRIPTION = (
    "Get usage metrics (visits, downloads) of a dataset, resource, organization or dataservice "
    "from data.gouv.fr's Metrics API. Returns monthly statistics, most recent month first, "
    "with totals over the months shown. Give at least one id; several can be given at once."
)


@dataclass(frozen=True)
class Metrics:
    """What get_metrics works with: the client, the plugin's settings, the upstream's."""

    client: MetricsClient
    settings: MetricsSettings
    upstream: UpstreamSettings

    @classmethod
    def of(cls, context: PluginContext) -> "Metrics":
        upstream = context.upstream
        return cls(MetricsClient(upstream), context.settings(MetricsSettings), upstream.settings)

    def demo_note(self) -> str | None:
        """With the demo preset, the Metrics API is production's: say so, or refuse."""
        if self.upstream.upstream != "demo" or self.upstream.metrics_url:
            return None
        if self.settings.on_demo == "unavailable":
            raise UnavailableError(
                "Metrics are not available with the demo portal: the Metrics API exists only "
                "for production data.gouv.fr.",
                hint="The operator can set DATAGOUV_MCP_METRICS_ON_DEMO=production to use it.",
                code="unavailable_on_demo",
                retryable=False,
            )
        return (
            "Note: the demo portal has no Metrics API; these figures come from production "
            "data.gouv.fr, where demo ids usually have none."
        )

    async def months(self, kind: Kind, id_: str, limit: int) -> tuple[list[Month], int]:
        """The `limit` most recent months, paging the Metrics API (50 rows a page) if needed."""
        page_size = min(limit, PAGE_SIZE_MAX)
        first = parse_page(kind, await self.client.months(kind, id_, 1, page_size))
        pages = math.ceil(min(limit, first.total) / page_size)
        rest = await asyncio.gather(
            *(self.client.months(kind, id_, page, page_size) for page in range(2, pages + 1))
        )
        months = [*first.months, *(m for raw in rest for m in parse_page(kind, raw).months)]
        return months[:limit], first.total

    async def describe(self, kind: Kind, given: str) -> tuple[str, str | None]:
        """(canonical id, title). A slug must resolve; a title is a nicety."""
        must_resolve = kind != "resource" and not is_object_id(given)
        if not (must_resolve or self.settings.titles):
            return given, None
        try:
            record = await self.client.record(kind, given)
        except UpstreamNotFound:
            raise NotFoundError(
                f"{LABELS[kind]} with ID '{given}' not found.", hint=WHERE_IDS[kind]()
            ) from None
        except UpstreamError:
            if must_resolve:
                raise
            return given, None
        canonical = parse_id(record) if kind != "resource" else None
        return canonical or given, parse_title(record)

    async def series(self, kind: Kind, given: str, limit: int) -> Series:
        if kind == "resource" or is_object_id(given):
            (id_, title), (months, available) = await asyncio.gather(
                self.describe(kind, given), self.months(kind, given, limit)
            )
        else:
            id_, title = await self.describe(kind, given)
            months, available = await self.months(kind, id_, limit)
        return Series(
            kind=kind,
            id=id_,
            title=title,
            months=months,
            totals=totals(months),
            months_available=available,
        )


def get_metrics(metrics: Metrics) -> ToolSpec:
    async def handler(
        dataset_id: DatasetRef = None,
        resource_id: ResourceRef = None,
        limit: Annotated[
            int,
            Field(
                ge=1,
                le=metrics.settings.max_months,
                description=(
                    "How many months, most recent first. Above 50 the server pages the "
                    "Metrics API for you."
                ),
            ),
        ] = 12,
        organization_id: OrganizationRef = None,
        dataservice_id: DataserviceRef = None,
    ) -> ToolResult:
        given: list[tuple[Kind, str | None]] = [
            ("dataset", dataset_id),
            ("resource", resource_id),
            ("organization", organization_id),
            ("dataservice", dataservice_id),
        ]
        targets = [(kind, id_) for kind, id_ in given if id_ is not None]
        if not targets:
            raise InvalidArgumentError(
                "At least one of dataset_id, resource_id, organization_id or dataservice_id "
                "is required.",
                hint=" ".join(where() for where in WHERE_IDS.values()),
            )
        note = metrics.demo_note()
        outcomes = await asyncio.gather(
            *(metrics.series(kind, id_, limit) for kind, id_ in targets), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        found = [o for o in outcomes if isinstance(o, Series)]
        return ToolResult(format_result(found, note), MetricsResult(series=found, note=note))

    return ToolSpec(
        name="get_metrics",
        title="Usage metrics",
        description=DESCRIPTION,
        handler=handler,
        output_model=MetricsResult,
    )


def build(context: PluginContext) -> list[ToolSpec]:
    return [get_metrics(Metrics.of(context))]
