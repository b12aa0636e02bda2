"""udata's `/api/2/*/search/` endpoints: datasets, dataservices and organizations."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from datagouv_mcp_standin import vocabulary as vocab
from datagouv_mcp_standin.ids import REFERENCE_NOW
from datagouv_mcp_standin.records import Json, as_int, producer_type
from datagouv_mcp_standin.responses import json_response
from datagouv_mcp_standin.search import (
    FACET_BUCKETS,
    LAST_UPDATE_RANGES,
    SORT_KEYS,
    TERM_FILTERS,
    Filters,
)
from datagouv_mcp_standin.textsearch import tokens
from datagouv_mcp_standin.udata_args import (
    ArgumentError,
    boolean,
    check_window,
    choice,
    envelope,
    first,
    invalid,
    paging,
    sort_choices,
)
from datagouv_mcp_standin.udata_datasets import bad_arguments, catalogue_of

SORT_HELP = "The field (and direction) on which sorting apply"
ORG_BADGES = ("public-service", "certified", "association", "company", "local-authority")
PRODUCER_TYPES = ("public-service", "association", "company", "local-authority", "user",
                  "not-specified")  # fmt: skip
CHOICES: dict[str, tuple[str, ...]] = {
    "badge": vocab.DATASET_BADGES,
    "organization_badge": ORG_BADGES,
    "format_family": ("tabular", "machine_readable", "geographical", "documents", "other"),
    "producer_type": PRODUCER_TYPES,
    "access_type": ("open", "open_with_account", "restricted"),
    "last_update_range": tuple(LAST_UPDATE_RANGES),
}
REPEATABLE = frozenset({"tag", "format", "granularity", "schema"})
_COVERAGE = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}$")
# total is capped like Elasticsearch's track_total_hits for broad queries.
TOTAL_CAP = 10_000


def dataset_filters(args: QueryParams) -> Filters:
    filters: list[tuple[str, tuple[str, ...]]] = []
    for name in (*TERM_FILTERS, "temporal_coverage", "last_update_range"):
        values: tuple[str, ...]
        if name in CHOICES:
            value = choice(args, name, CHOICES[name])
            values = (value,) if value else ()
        elif name == "featured":
            flag = boolean(args, name)
            values = (flag,) if flag else ()
        elif name in REPEATABLE:
            values = tuple(v for v in args.getlist(name) if v)
        else:
            single = first(args, name)
            values = (single,) if single else ()
        if name == "temporal_coverage" and values and not _COVERAGE.match(values[0]):
            raise invalid(name, f"{values[0]} does not match YYYY-MM-DD-YYYY-MM-DD")
        if values:
            filters.append((name, values))
    return tuple(sorted(filters))


async def datasets_search(request: Request) -> Response:
    catalogue = catalogue_of(request)
    args = request.query_params
    try:
        sort = choice(args, "sort", sort_choices(SORT_KEYS), SORT_HELP)
        page, page_size = paging(args, 20)
        filters = dataset_filters(args)
        check_window(page, page_size)
    except ArgumentError as error:
        return bad_arguments(request, error)
    result = catalogue.index.search(tokens(first(args, "q") or ""), filters, sort)
    window = result.ordinals[(page - 1) * page_size : page * page_size]
    data = [catalogue.dataset_at(o).v2_body() for o in window]
    total = min(len(result.ordinals), TOTAL_CAP)
    body = envelope(data, "/2/datasets/search/", args, page, page_size, total)
    body["facets"] = result.facets
    return json_response(request, dict(sorted(body.items())))


def _words(*texts: object) -> frozenset[str]:
    return frozenset(tokens(" ".join(str(t or "") for t in texts)))


def _org_of(body: Json) -> Json:
    org = body.get("organization")
    return org if isinstance(org, dict) else {}


def _metric(body: Json, name: str) -> int:
    metrics = body.get("metrics")
    return as_int(metrics.get(name)) if isinstance(metrics, dict) else 0


def _small_search(
    request: Request,
    objects: list[Json],
    path: str,
    sort_keys: tuple[str, ...],
    sort_value: Callable[[Json, str], Any],
    words_of: Callable[[Json], frozenset[str]],
    keep: Callable[[Json, QueryParams], bool],
    facets: Callable[[list[Json], int], dict[str, Any]],
) -> Response:
    """Search over a small collection (dataservices, organizations): a linear scan."""
    args = request.query_params
    try:
        sort = choice(args, "sort", sort_choices(sort_keys), SORT_HELP)
        page, page_size = paging(args, 20)
        check_window(page, page_size)
        query_words = tokens(first(args, "q") or "")
        keep({}, args)  # validate the arguments even when nothing is there to match
        cache: dict[tuple[str, str], frozenset[str]] = request.app.state.search_words
        matched = []
        for candidate in objects:
            key = (path, str(candidate.get("id")))
            words = cache.get(key)
            if words is None:
                words = cache[key] = words_of(candidate)
            if keep(candidate, args) and all(w in words for w in query_words):
                matched.append(candidate)
    except ArgumentError as error:
        return bad_arguments(request, error)
    if sort:
        name = sort.lstrip("-")
        matched.sort(key=lambda o: sort_value(o, name), reverse=sort.startswith("-"))
    window = matched[(page - 1) * page_size : page * page_size]
    body = envelope(window, path, args, page, page_size, min(len(matched), TOTAL_CAP))
    body["facets"] = facets(matched, len(matched))
    return json_response(request, dict(sorted(body.items())))


def _buckets(total: int, counter: Counter[str]) -> list[dict[str, Any]]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:FACET_BUCKETS]
    return [{"count": total, "name": "all"}] + [{"count": c, "name": n} for n, c in ranked]


def _recent(stamp: object, days: int) -> bool:
    return str(stamp or "")[:19] >= (REFERENCE_NOW - timedelta(days=days)).isoformat()[:19]


async def dataservices_search(request: Request) -> Response:
    catalogue = catalogue_of(request)

    def keep(service: Json, args: QueryParams) -> bool:
        tags = set(service.get("tags") or [])
        if any(t not in tags for t in args.getlist("tag") if t):
            return False
        organization = first(args, "organization")
        if organization and _org_of(service).get("id") != organization:
            return False
        for name, field in (("archived", "archived_at"), ("featured", "featured")):
            flag = boolean(args, name)
            if flag is not None and (flag == "true") != bool(service.get(field)):
                return False
        restricted = boolean(args, "is_restricted")
        if restricted is not None and (restricted == "true") != (
            service.get("access_type") == "restricted" or bool(service.get("is_restricted"))
        ):
            return False
        access = choice(args, "access_type", CHOICES["access_type"])
        if access and str(service.get("access_type") or "open") != access:
            return False
        producer = choice(args, "producer_type", PRODUCER_TYPES)
        if producer and producer_type(_org_of(service) or None, service.get("owner")) != producer:
            return False
        window = choice(args, "last_update_range", tuple(LAST_UPDATE_RANGES))
        return not window or _recent(
            service.get("metadata_modified_at"), LAST_UPDATE_RANGES[window]
        )

    def facets(matched: list[Json], total: int) -> dict[str, Any]:
        counters: dict[str, Counter[str]] = {
            k: Counter()
            for k in ("access_type", "badge", "organization_id_with_name", "producer_type", "tag")
        }
        updates: Counter[str] = Counter()
        for service in matched:
            org = _org_of(service)
            counters["access_type"][str(service.get("access_type") or "open")] += 1
            counters["badge"].update(str(b.get("kind")) for b in service.get("badges") or [])
            if org:
                counters["organization_id_with_name"][f"{org.get('id')}|{org.get('name')}"] += 1
            counters["producer_type"][producer_type(org or None, service.get("owner"))] += 1
            counters["tag"].update(service.get("tags") or [])
            for name, days in LAST_UPDATE_RANGES.items():
                updates[name] += _recent(service.get("metadata_modified_at"), days)
        out = {name: _buckets(total, counter) for name, counter in counters.items()}
        out["last_update"] = _buckets(total, updates)
        return dict(sorted(out.items()))

    def sort_value(service: Json, name: str) -> Any:
        return str(service.get("created_at") or "") if name == "created" else _metric(service, name)

    return _small_search(
        request,
        list(catalogue.dataservices.values()),
        "/2/dataservices/search/",
        ("created", "views", "followers"),
        sort_value,
        lambda s: _words(s.get("title"), s.get("description"), _org_of(s).get("name")),
        keep,
        facets,
    )


async def organizations_search(request: Request) -> Response:
    catalogue = catalogue_of(request)

    def keep(org: Json, args: QueryParams) -> bool:
        badge = choice(args, "badge", ORG_BADGES)
        kinds = {str(b.get("kind")) for b in org.get("badges") or []}
        if badge and badge not in kinds:
            return False
        producer = choice(args, "producer_type", tuple(p for p in PRODUCER_TYPES if p != "user"))
        return not producer or producer_type(org, None) == producer

    def facets(matched: list[Json], total: int) -> dict[str, Any]:
        return {"producer_type": _buckets(total, Counter(producer_type(o, None) for o in matched))}

    def sort_value(org: Json, name: str) -> Any:
        return str(org.get("created_at") or "") if name == "created" else _metric(org, name)

    return _small_search(
        request,
        list(catalogue.organizations.values()),
        "/2/organizations/search/",
        ("reuses", "datasets", "followers", "views", "created"),
        sort_value,
        lambda o: _words(o.get("name"), o.get("acronym"), o.get("description"), o.get("id")),
        keep,
        facets,
    )
