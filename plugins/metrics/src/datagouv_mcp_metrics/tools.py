"""get_metrics: validate, call the Metrics API (and the catalogue for titles), parse, format.

No `from __future__ import annotations` here: the handler's annotations use a bound read
from the settings (`max_months`), so they must be evaluated where the handler is defined.
"""

import asyncio
import math
from typing import Annotated

from pydantic import Field

from datagouv_mcp import Gateway, InvalidArgumentError, NotFoundError, ToolResult, ToolSpec
from datagouv_mcp.errors import UnavailableError
from datagouv_mcp.params import NULLABLE_STRING, is_object_id, object_id_or_slug, resource_uuid
from datagouv_mcp.upstream import UpstreamError, UpstreamNotFound
from datagouv_mcp_metrics.client import PAGE_SIZE_MAX, MetricsClient
from datagouv_mcp_metrics.formatters import LABELS, format_result, totals
from datagouv_mcp_metrics.models import Kind, MetricsResult, Month, Series
from datagouv_mcp_metrics.parsers import MetricsParseError, parse_id, parse_page, parse_title
from datagouv_mcp_metrics.settings import MetricsSettings

WHERE_IDS: dict[Kind, str] = {
    "dataset": "Find dataset ids with search_datasets.",
    "resource": "Find resource ids with list_dataset_resources.",
    "organization": "Find organization ids with search_organizations.",
    "dataservice": "Find dataservice ids with search_dataservices.",
}
DESCRIPTION = (
    "Get usage metrics (visits, downloads) of a dataset, resource, organization or dataservice "
    "from data.gouv.fr's Metrics API. Returns monthly statistics, most recent month first, "
    "with totals over the months shown. Give at least one id; several can be given at once."
)


class GetMetrics:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.settings = gateway.settings_for(MetricsSettings)
        self.client = MetricsClient(gateway.upstream)

    def demo_note(self) -> str | None:
        upstream = self.gateway.upstream.settings
        if upstream.upstream != "demo" or upstream.metrics_url:
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
        try:
            first = parse_page(kind, await self.client.months(kind, id_, 1, page_size))
            pages = math.ceil(min(limit, first.total) / page_size)
            rest = await asyncio.gather(
                *(self.client.months(kind, id_, page, page_size) for page in range(2, pages + 1))
            )
            months = [*first.months, *(m for raw in rest for m in parse_page(kind, raw).months)]
        except MetricsParseError as exc:
            raise UnavailableError(
                f"The Metrics API answered in an unexpected format ({exc}).",
                hint="Retry later; if it persists, the Metrics API has changed.",
                retryable=False,
            ) from exc
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
                f"{LABELS[kind]} with ID '{given}' not found.", hint=WHERE_IDS[kind]
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

    async def __call__(self, targets: list[tuple[Kind, str]], limit: int) -> ToolResult:
        if not targets:
            raise InvalidArgumentError(
                "At least one of dataset_id, resource_id, organization_id or dataservice_id "
                "is required.",
                hint=" ".join(WHERE_IDS.values()),
            )
        note = self.demo_note()
        outcomes = await asyncio.gather(
            *(self.series(kind, id_, limit) for kind, id_ in targets), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        found = [o for o in outcomes if isinstance(o, Series)]
        return ToolResult(format_result(found, note), MetricsResult(series=found, note=note))


def _targets(given: dict[Kind, str | None]) -> list[tuple[Kind, str]]:
    targets: list[tuple[Kind, str]] = []
    for kind, value in given.items():
        if value is None or not value.strip():
            continue
        if kind == "resource":
            targets.append((kind, resource_uuid(value, WHERE_IDS[kind])))
        else:
            targets.append((kind, object_id_or_slug(value, kind, WHERE_IDS[kind])))
    return targets


def build(gateway: Gateway) -> list[ToolSpec]:
    run = GetMetrics(gateway)
    max_months = run.settings.max_months

    async def get_metrics(
        dataset_id: Annotated[
            str | None,
            NULLABLE_STRING,
            Field(description="Dataset id (24 hex characters) or slug, from search_datasets."),
        ] = None,
        resource_id: Annotated[
            str | None,
            NULLABLE_STRING,
            Field(description="Resource id (a UUID), from list_dataset_resources."),
        ] = None,
        limit: Annotated[
            int,
            Field(
                ge=1,
                le=max_months,
                description=(
                    "How many months, most recent first. Above 50 the server pages the "
                    "Metrics API for you."
                ),
            ),
        ] = 12,
        organization_id: Annotated[
            str | None,
            NULLABLE_STRING,
            Field(description="Organization id or slug, from search_organizations."),
        ] = None,
        dataservice_id: Annotated[
            str | None,
            NULLABLE_STRING,
            Field(description="Dataservice (API) id or slug, from search_dataservices."),
        ] = None,
    ) -> ToolResult:
        targets = _targets(
            {
                "dataset": dataset_id,
                "resource": resource_id,
                "organization": organization_id,
                "dataservice": dataservice_id,
            }
        )
        return await run(targets, limit)

    return [
        ToolSpec(
            name="get_metrics",
            title="Usage metrics",
            description=DESCRIPTION,
            handler=get_metrics,
            output_model=MetricsResult,
        )
    ]
