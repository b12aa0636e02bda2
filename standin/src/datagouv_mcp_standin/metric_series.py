"""Metrics API views: monthly series for everything the catalogue knows, computed on demand.

Recorded pages seed their entity's series (their rows, `__id`s and total are kept); every
other dataset, resource, organization and dataservice gets a deterministic 24-month series.
A recorded empty series stays empty, so "no data" can be tested.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from datagouv_mcp_standin.catalog import Catalogue, MetricSeed
from datagouv_mcp_standin.ids import REFERENCE_NOW, decode_generated_resource_id, mix
from datagouv_mcp_standin.records import Json
from datagouv_mcp_standin.table_families import Column, Values
from datagouv_mcp_standin.tabular_engine import Schema

GENERATED_MONTHS = 24
_EPOCH_YEAR = 2015  # absolute month numbers count from 2015-01
_STRIDE = 256  # __id = ordinal * _STRIDE + absolute month + 1


def _c(name: str, kind: str = "int") -> Column:
    return Column(name, kind, kind)


_S = "string"
MODELS: dict[str, tuple[str | None, tuple[Column, ...]]] = {
    "datasets": ("dataset_id", (_c("dataset_id", _S), _c("metric_month", _S),
                 _c("monthly_visit"), _c("monthly_download_resource"),
                 _c("organization_id", _S))),
    "resources": ("resource_id", (_c("resource_id", _S), _c("dataset_id", _S),
                  _c("metric_month", _S), _c("monthly_download_resource"))),
    "organizations": ("organization_id", (_c("organization_id", _S), _c("metric_month", _S),
                      _c("monthly_visit_dataset"), _c("monthly_download_resource"),
                      _c("monthly_visit_reuse"), _c("monthly_visit_dataservice"))),
    "reuses": ("reuse_id", (_c("reuse_id", _S), _c("metric_month", _S), _c("monthly_visit"))),
    "dataservices": ("dataservice_id", (_c("dataservice_id", _S), _c("metric_month", _S),
                     _c("monthly_visit"))),
    "site": (None, (_c("metric_month", _S), _c("monthly_visit_dataset"),
             _c("monthly_download_resource"), _c("monthly_visit_reuse"))),
    "datasets_total": ("dataset_id", (_c("dataset_id", _S), _c("visit"), _c("outlink"),
                       _c("download_resource"))),
    "resources_total": ("resource_id", (_c("resource_id", _S), _c("dataset_id", _S),
                        _c("download_resource"))),
    "organizations_total": ("organization_id", (_c("organization_id", _S),
                            _c("visit_dataset"), _c("download_resource"), _c("visit_reuse"),
                            _c("outlink"))),
    "reuses_total": ("reuse_id", (_c("reuse_id", _S), _c("visit"), _c("outlink"))),
    "dataservices_total": ("dataservice_id", (_c("dataservice_id", _S),
                           _c("visit_dataservice"))),
}  # fmt: skip


def month_number(month: str) -> int:
    return (int(month[:4]) - _EPOCH_YEAR) * 12 + int(month[5:7]) - 1


def month_label(number: int) -> str:
    return f"{_EPOCH_YEAR + number // 12}-{number % 12 + 1:02d}"


LAST_MONTH = month_number(REFERENCE_NOW.strftime("%Y-%m"))


def _h(text: str) -> int:
    return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:12], 16)


@dataclass(frozen=True)
class Entity:
    ordinal: int
    id: str
    parent: str | None  # dataset of a resource, organization of a dataset


class MetricViews:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.seeds: dict[tuple[str, str], MetricSeed] = {
            (s.model.removesuffix("_total"), s.entity_id): s for s in catalogue.metric_seeds
        }
        self._recorded_resources = {rid: n for n, rid in enumerate(catalogue.resources)}
        self._orgs = {oid: n for n, oid in enumerate(catalogue.organizations)}
        self._services = {sid: n for n, sid in enumerate(catalogue.dataservices)}

    def schema(self, model: str) -> Schema | None:
        spec = MODELS.get(model)
        return Schema(model, spec[1]) if spec else None

    # -- entities --------------------------------------------------------------------------

    def entity(self, base: str, entity_id: str) -> Entity | None:
        cat = self.catalogue
        if base == "datasets":
            ordinal = cat.index.lookup_id(entity_id)
            if ordinal is None:
                return None
            return Entity(ordinal, entity_id, cat.index.fields[ordinal].org_id)
        if base == "resources":
            found = cat.resource(entity_id)
            if found is None:
                return None
            ordinal = self._recorded_resources.get(entity_id)
            if ordinal is None:
                index, position = decode_generated_resource_id(entity_id) or (0, 0)
                ordinal = len(self._recorded_resources) + index * 8 + position
            return Entity(ordinal, entity_id, found[1])
        table = self._orgs if base == "organizations" else self._services
        ordinal = table.get(entity_id) if base in ("organizations", "dataservices") else None
        return None if ordinal is None else Entity(ordinal, entity_id, None)

    def all_entities(self, base: str) -> Iterator[Entity]:
        cat = self.catalogue
        if base == "datasets":
            for o, fields in enumerate(cat.index.fields):
                yield Entity(o, fields.id, fields.org_id)
        elif base == "resources":
            for n, (rid, (_, dataset_id)) in enumerate(cat.resources.items()):
                yield Entity(n, rid, dataset_id)
            generated = cat.generated
            for index in range(generated.count):
                for position, resource in enumerate(generated.resources_of(index)):
                    ordinal = len(self._recorded_resources) + index * 8 + position
                    yield Entity(ordinal, str(resource["id"]), generated.ids[index])
        elif base in ("organizations", "dataservices"):
            table = self._orgs if base == "organizations" else self._services
            for entity_id, ordinal in table.items():
                yield Entity(ordinal, entity_id, None)

    # -- rows ------------------------------------------------------------------------------

    def monthly(self, base: str, entity: Entity) -> list[Values]:
        """One entity's monthly rows, sorted by __id."""
        columns = MODELS[base][1]
        seed = self.seeds.get((base, entity.id))
        if seed is not None and seed.total == 0:
            return []
        recorded = {str(r.get("metric_month")): r for r in seed.rows} if seed else {}
        last = max((month_number(m) for m in recorded), default=LAST_MONTH)
        span = seed.total if seed else GENERATED_MONTHS
        rows = []
        digest = _h(entity.id)
        sample = next(iter(recorded.values()), {})
        for number in range(last - span + 1, last + 1):
            label = month_label(number)
            if label in recorded:
                row = recorded[label]
                rows.append((int(row["__id"]), *(row.get(c.name) for c in columns)))
                continue
            row_id = entity.ordinal * _STRIDE + number + 1
            values = self._values(base, entity, number, label, digest, sample)
            rows.append((row_id, *(values.get(c.name) for c in columns)))
        return sorted(rows)

    def _values(
        self, base: str, entity: Entity, number: int, label: str, digest: int, sample: Json
    ) -> Json:
        scale = 20 + digest % 3000
        season = 1.0 + 0.25 * ((number % 12) in (0, 8, 9, 10)) - 0.3 * ((number % 12) == 7)
        noise = mix(digest ^ number) % 1000 / 1000
        visits = int(scale * season * (0.6 + 0.8 * noise))
        downloads = int(visits * (0.1 + 0.5 * ((noise * 7) % 1)))
        id_column = MODELS[base][0] or ""
        values: Json = {id_column: entity.id, "metric_month": label}
        if base == "datasets":
            org = sample.get("organization_id", entity.parent)
            values.update(monthly_visit=visits, monthly_download_resource=downloads)
            values["organization_id"] = org
        elif base == "resources":
            values.update(dataset_id=entity.parent, monthly_download_resource=downloads)
        elif base == "organizations":
            values.update(
                monthly_visit_dataset=visits * 10,
                monthly_download_resource=downloads * 10,
                monthly_visit_reuse=visits // 3,
                monthly_visit_dataservice=sample.get("monthly_visit_dataservice", visits // 7),
            )
        else:
            values["monthly_visit"] = visits
        return values

    def rows(self, model: str, wanted: set[str] | None) -> Iterable[Values]:
        """The view's rows in __id order; only `wanted` entities' rows when given."""
        base = model.removesuffix("_total")
        if model == "site":
            return self._site()
        if base == "reuses":
            return []
        if wanted is not None:
            entities = sorted(
                (e for e in (self.entity(base, w) for w in wanted) if e is not None),
                key=lambda e: e.ordinal,
            )
        else:
            entities = list(self.all_entities(base)) if model.endswith("_total") else []
        if model.endswith("_total"):
            return [self._total(model, e) for e in entities]
        if wanted is not None:
            return sorted(row for e in entities for row in self.monthly(base, e))
        return self._stream(base)

    def _stream(self, base: str) -> Iterator[Values]:
        # Generated rows come out in __id order entity by entity; recorded rows have their
        # own __ids, so they are merged in.
        recorded_ids = {
            int(r["__id"]) for (b, _), s in self.seeds.items() if b == base for r in s.rows
        }
        generated = (
            row
            for e in self.all_entities(base)
            for row in self.monthly(base, e)
            if row[0] not in recorded_ids
        )
        recorded = sorted(
            (int(r["__id"]), *(r.get(c.name) for c in MODELS[base][1]))
            for (b, _), s in self.seeds.items()
            if b == base
            for r in s.rows
        )
        return heapq.merge(generated, recorded)

    def _total(self, model: str, entity: Entity) -> Values:
        base = model.removesuffix("_total")
        monthly = MODELS[base][1]
        series = [
            dict(zip([c.name for c in monthly], r[1:], strict=True))
            for r in self.monthly(base, entity)
        ]

        def total(name: str) -> int:
            return sum(int(r.get(name) or 0) for r in series)

        values: Json = {"dataset_id": entity.parent} if base == "resources" else {}
        values[MODELS[model][0] or ""] = entity.id
        values.update(
            visit=total("monthly_visit"),
            outlink=total("monthly_visit") // 20,
            download_resource=total("monthly_download_resource"),
            visit_dataset=total("monthly_visit_dataset"),
            visit_reuse=total("monthly_visit_reuse"),
            visit_dataservice=total("monthly_visit"),
        )
        return (entity.ordinal + 1, *(values.get(c.name) for c in MODELS[model][1]))

    def _site(self) -> list[Values]:
        rows = []
        for number in range(LAST_MONTH - GENERATED_MONTHS + 1, LAST_MONTH + 1):
            noise = mix(number) % 1000
            rows.append(
                (number + 1, month_label(number), 4_000_000 + noise * 3000,
                 1_500_000 + noise * 900, 300_000 + noise * 200)
            )  # fmt: skip
        return rows
