"""Dataset search: an inverted index over words and filter terms, built once at start-up.

A query intersects posting lists (AND over words, as every word must appear), so its cost
depends on the matches, not on the catalogue size; ordered results and facets are cached per
query so paging through one search stays cheap under load.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from datagouv_mcp_standin.ids import REFERENCE_NOW
from datagouv_mcp_standin.records import SearchFields, format_family
from datagouv_mcp_standin.textsearch import fold

_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
SORT_KEYS = ("created", "last_update", "reuses", "followers", "views")
LAST_UPDATE_RANGES = {"last_30_days": 30, "last_12_months": 365, "last_3_years": 3 * 365}
FACET_BUCKETS = 50
_CACHE_SIZE = 256

# Filter name -> term prefix in the index; multi-valued filters say how values combine.
TERM_FILTERS: dict[str, tuple[str, str]] = {
    "organization": ("org", "and"),
    "organization_name": ("orgname", "and"),
    "owner": ("owner", "and"),
    "tag": ("tag", "and"),
    "format": ("format", "or"),
    "license": ("license", "and"),
    "geozone": ("geozone", "and"),
    "granularity": ("granularity", "or"),
    "badge": ("badge", "and"),
    "schema": ("schema", "or"),
    "featured": ("featured", "and"),
    "access_type": ("access_type", "and"),
    "producer_type": ("producer_type", "and"),
    "organization_badge": ("orgbadge", "and"),
    "format_family": ("family", "and"),
    "topic": ("topic", "and"),
}

Filters = tuple[tuple[str, tuple[str, ...]], ...]


def terms_of(f: SearchFields) -> list[str]:
    terms = [
        f"license:{f.license}",
        f"featured:{'true' if f.featured else 'false'}",
        f"access_type:{f.access_type}",
        f"producer_type:{f.producer_type}",
    ]
    if f.org_id:
        terms.append(f"org:{f.org_id}")
        terms.append(f"orgname:{fold(f.org_name or '')}")
    if f.owner_id:
        terms.append(f"owner:{f.owner_id}")
    if f.granularity:
        terms.append(f"granularity:{f.granularity}")
    terms += [f"tag:{t}" for t in f.tags]
    terms += [f"format:{x}" for x in f.formats]
    terms += [f"family:{x}" for x in {format_family(x) for x in f.formats}]
    terms += [f"geozone:{z}" for z in f.zones]
    terms += [f"badge:{b}" for b in f.badges]
    terms += [f"schema:{s}" for s in f.schemas]
    terms += [f"orgbadge:{b}" for b in f.org_badges]
    return terms


@dataclass
class SearchResult:
    ordinals: list[int]
    facets: dict[str, list[dict[str, object]]] = field(default_factory=dict)


class DatasetIndex:
    """Search fields of every dataset, by ordinal, with word and term posting lists."""

    def __init__(self) -> None:
        self.fields: list[SearchFields] = []
        self._words: dict[str, list[int]] = {}
        self._title_words: dict[str, set[int]] = {}
        self._terms: dict[str, list[int]] = {}
        self._orders: dict[str, list[int]] = {}
        self._cache: OrderedDict[tuple[object, ...], SearchResult] = OrderedDict()
        # Resolves a 24-hex id to an ordinal: udata's search also matches on dataset ids.
        self.lookup_id: Callable[[str], int | None] = lambda _: None

    def __len__(self) -> int:
        return len(self.fields)

    def add(self, fields: SearchFields, words: Iterable[str], title_words: Iterable[str]) -> int:
        ordinal = len(self.fields)
        self.fields.append(fields)
        # get-then-create: setdefault would allocate a throwaway list per call.
        postings = self._words
        for word in set(words):
            found = postings.get(word)
            if found is None:
                postings[word] = [ordinal]
            else:
                found.append(ordinal)
        for word in set(title_words):
            titled = self._title_words.get(word)
            if titled is None:
                self._title_words[word] = {ordinal}
            else:
                titled.add(ordinal)
        for term in terms_of(fields):
            listed = self._terms.get(term)
            if listed is None:
                self._terms[term] = [ordinal]
            else:
                listed.append(ordinal)
        return ordinal

    def extend(
        self,
        words: dict[str, list[int]],
        titles: dict[str, list[int]],
        terms: dict[str, list[int]],
    ) -> None:
        """Merge posting lists built in bulk (see `generated_index`)."""
        for target, source in ((self._words, words), (self._terms, terms)):
            for key, members in source.items():
                target.setdefault(key, []).extend(members)
        for key, members in titles.items():
            self._title_words.setdefault(key, set()).update(members)

    def search(self, words: Sequence[str], filters: Filters, sort: str | None) -> SearchResult:
        key = (tuple(words), filters, sort)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        result = SearchResult(self._order(self._match(words, filters), words, sort))
        result.facets = self._facets(result.ordinals)
        self._cache[key] = result
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    # -- matching --------------------------------------------------------------------------

    def _match(self, words: Sequence[str], filters: Filters) -> set[int] | None:
        """The matching ordinals, or None for "every dataset"."""
        lists: list[Sequence[int] | set[int]] = [self._postings(w) for w in words]
        ranges: dict[str, str] = {}
        for name, values in filters:
            if name in ("temporal_coverage", "last_update_range"):
                ranges[name] = values[0]
                continue
            prefix, combine = TERM_FILTERS[name]
            per_value = [
                self._terms.get(f"{prefix}:{self._term_value(name, v)}", []) for v in values
            ]
            if combine == "and":
                lists.extend(per_value)
            else:
                lists.append(set().union(*per_value))
        matched: set[int] | None = None
        for postings in sorted(lists, key=len):
            if matched is None:
                matched = set(postings)
            else:
                matched.intersection_update(postings)
            if not matched:
                return set()
        if ranges:
            candidates = matched if matched is not None else range(len(self.fields))
            matched = {o for o in candidates if self._in_ranges(self.fields[o], ranges)}
        return matched

    def _postings(self, word: str) -> Sequence[int]:
        if _OBJECT_ID.match(word):
            ordinal = self.lookup_id(word)
            return [ordinal] if ordinal is not None else []
        return self._words.get(word, [])

    @staticmethod
    def _term_value(name: str, value: str) -> str:
        if name == "organization_name":
            return fold(value)
        if name == "featured":
            return "true" if value.lower() in ("true", "1", "on", "yes") else "false"
        if name == "format":
            return value.lower()
        return value

    @staticmethod
    def _in_ranges(f: SearchFields, ranges: dict[str, str]) -> bool:
        coverage = ranges.get("temporal_coverage")
        if coverage:
            start, end = coverage[:10], coverage[11:]
            if f.temporal is None or not (f.temporal[0] <= start and f.temporal[1] >= end):
                return False
        window = ranges.get("last_update_range")
        if window:
            since = (REFERENCE_NOW - timedelta(days=LAST_UPDATE_RANGES[window])).isoformat()
            if f.last_update < since[:19]:
                return False
        return True

    # -- ordering --------------------------------------------------------------------------

    def _order(self, matched: set[int] | None, words: Sequence[str], sort: str | None) -> list[int]:
        if sort:
            order = self._sorted_all(sort)
            return list(order) if matched is None else [o for o in order if o in matched]
        if matched is None:
            return list(range(len(self.fields)))
        if not words:
            return sorted(matched)
        # Relevance: query words found in the title first, then catalogue order.
        titles = [self._title_words.get(w, set()) for w in words]
        return sorted(matched, key=lambda o: (-sum(o in t for t in titles), o))

    def _sorted_all(self, sort: str) -> list[int]:
        order = self._orders.get(sort)
        if order is None:
            name = sort.lstrip("-")
            values = [getattr(f, name) for f in self.fields]
            if sort.startswith("-"):
                # Descending, ties still in catalogue order.
                order = sorted(range(len(values)), key=lambda o: (values[o], -o), reverse=True)
            else:
                order = sorted(range(len(values)), key=values.__getitem__)
            self._orders[sort] = order
        return order

    # -- facets ----------------------------------------------------------------------------

    def _facets(self, ordinals: list[int]) -> dict[str, list[dict[str, object]]]:
        counters: dict[str, Counter[str]] = {
            name: Counter()
            for name in (
                "access_type", "badge", "format", "format_family", "geozone", "granularity",
                "license", "organization_id_with_name", "producer_type", "schema", "tag",
            )
        }  # fmt: skip
        updates: Counter[str] = Counter()
        thresholds = {
            name: (REFERENCE_NOW - timedelta(days=days)).isoformat()[:19]
            for name, days in LAST_UPDATE_RANGES.items()
        }
        for o in ordinals:
            f = self.fields[o]
            counters["access_type"][f.access_type] += 1
            counters["badge"].update(f.badges)
            counters["format"].update(f.formats)
            counters["format_family"].update({format_family(x) for x in f.formats})
            counters["geozone"].update(f.zones)
            if f.granularity:
                counters["granularity"][f.granularity] += 1
            counters["license"][f.license] += 1
            if f.org_id:
                counters["organization_id_with_name"][f"{f.org_id}|{f.org_name}"] += 1
            counters["producer_type"][f.producer_type] += 1
            counters["schema"].update(f.schemas)
            counters["tag"].update(f.tags)
            for name, since in thresholds.items():
                if f.last_update >= since:
                    updates[name] += 1
        total = len(ordinals)
        facets = {name: _buckets(total, counter) for name, counter in counters.items()}
        facets["last_update"] = _buckets(total, updates)
        facets["topics"] = _buckets(total, Counter())
        return dict(sorted(facets.items()))


def _buckets(total: int, counter: Counter[str]) -> list[dict[str, object]]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:FACET_BUCKETS]
    return [{"name": "all", "count": total}] + [{"name": n, "count": c} for n, c in ranked]
