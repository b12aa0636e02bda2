"""The generated part of the catalogue (`--datasets N`): organizations, datasets, resources.

Everything is derived from an index with a seeded RNG, so the catalogue is identical on every
run and a dataset's body can be rebuilt on demand instead of being held in memory: at
100 000 datasets only the search fields and the id and slug tables stay resident.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from datagouv_mcp_standin import vocabulary as vocab
from datagouv_mcp_standin.generated_parts import (
    generated_org,
    org_ref,
    resource_body,
)
from datagouv_mcp_standin.ids import (
    days_before_reference,
    decode_generated_resource_id,
    generated_resource_id,
    iso,
    mix,
    object_id,
)
from datagouv_mcp_standin.records import (
    API,
    SITE,
    Json,
    SearchFields,
    community_link,
    resources_link,
)
from datagouv_mcp_standin.rewrite import STANDIN_ORIGIN
from datagouv_mcp_standin.textsearch import slugify

TABULAR_CANDIDATES = frozenset({"csv", "xlsx", "csv.gz"})
_DATASET_SALT = 0x0D


@lru_cache(maxsize=1024)
def _cached_slug(text: str) -> str:
    return slugify(text)


@dataclass(frozen=True, slots=True)
class Draw:
    """Every random choice made for one generated dataset."""

    theme: int
    place: int
    year: int
    org: int
    license: int
    frequency: int
    geozone: int
    subject: int
    qualifier: int
    sentence: int
    n_resources: int
    badges: tuple[str, ...]
    schema: str | None
    featured: bool
    access_type: str
    created_days: int
    updated_days: int
    reuses: int
    followers: int
    views: int
    big_export: bool


class _Bits:
    """Successive bounded draws from a 64-bit hash chain: cheaper than `random.Random`."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.pool = 0

    def below(self, bound: int) -> int:
        if self.pool < 1 << 32:
            # Refill with 128 fresh bits; each draw consumes log2(bound) of them.
            self.seed = mix(self.seed)
            self.pool = self.seed << 64 | mix(self.seed ^ 0x5555)
        self.pool, value = divmod(self.pool, bound)
        return value

    def chance(self, percent: float) -> bool:
        return self.below(10_000) < percent * 100

    def heavy_tail(self, scale: int, alpha: float) -> int:
        # Inverse-CDF Pareto draw: most values small, a few large (views, followers).
        uniform = (self.below(1_000_000) + 1) / 1_000_001
        return int(scale * (uniform ** (-1 / alpha) - 1))


def draw(index: int, n_orgs: int) -> Draw:
    bits = _Bits(_DATASET_SALT << 40 | index)
    created_days = 30 + bits.below(3970)
    access = bits.below(100)
    return Draw(
        theme=bits.below(len(vocab.THEMES)),
        place=bits.below(len(vocab.PLACES)),
        year=2012 + bits.below(15),
        org=bits.below(n_orgs),
        license=bits.below(len(vocab.LICENSES)),
        frequency=bits.below(len(vocab.FREQUENCIES)),
        geozone=bits.below(len(vocab.GEOZONES)),
        subject=bits.below(len(vocab.SUBJECTS)),
        qualifier=bits.below(len(vocab.QUALIFIERS)),
        sentence=1 + bits.below(5),
        n_resources=1 + bits.below(5),
        badges=tuple(b for b in vocab.DATASET_BADGES if bits.chance(6)),
        schema=vocab.SCHEMAS[bits.below(len(vocab.SCHEMAS))] if bits.chance(10) else None,
        featured=bits.chance(3),
        access_type="open" if access < 90 else "open_with_account" if access < 96 else "restricted",
        created_days=created_days,
        updated_days=bits.below(created_days + 1),
        reuses=bits.heavy_tail(1, 2.0),
        followers=bits.heavy_tail(1, 1.5),
        views=bits.heavy_tail(40, 1.2),
        big_export=index % 7 == 3,
    )


class GeneratedCatalogue:
    """N generated datasets and their organizations and resources."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.orgs = [
            generated_org(k) for k in range(max(3, min(2000, count // 25)) if count else 0)
        ]
        self.ids: list[str] = []
        self.slugs: list[str] = []
        self.index_by_key: dict[str, int] = {}
        self.org_dataset_counts = [0] * len(self.orgs)

    def build(self) -> Iterator[tuple[int, Draw, SearchFields]]:
        """Generate every dataset, registering its id and slug; yield its draw and fields."""
        seen_slugs: dict[str, int] = {}
        for i in range(self.count):
            d = draw(i, len(self.orgs))
            theme, place = vocab.THEMES[d.theme][0], vocab.PLACES[d.place]
            base = f"{_cached_slug(theme)}-{_cached_slug(place)}-{d.year}"
            n = seen_slugs.get(base, 0)
            seen_slugs[base] = n + 1
            slug = f"{base}-{n}" if n else base
            dataset_id = object_id(days_before_reference(d.created_days), _DATASET_SALT, i)
            self.ids.append(dataset_id)
            self.slugs.append(slug)
            self.index_by_key[dataset_id] = i
            self.index_by_key[slug] = i
            self.org_dataset_counts[d.org] += 1
            yield i, d, self._fields(i, d, f"{theme} - {place} - {d.year}")

    # -- drawing ---------------------------------------------------------------------------

    def _fields(self, i: int, d: Draw, title: str) -> SearchFields:
        org = self.orgs[d.org]
        theme_tags = vocab.THEMES[d.theme][1]
        zone, granularity = vocab.GEOZONES[d.geozone]
        return SearchFields(
            id=self.ids[i],
            title=title,
            org_id=org.id,
            org_name=org.name,
            org_badges=org.badges,
            producer_type=org.producer_type,
            owner_id=None,
            tags=(*theme_tags, _cached_slug(vocab.PLACES[d.place])),
            formats=tuple(sorted({fmt for fmt, _ in self.resource_plan(d)})),
            license=vocab.LICENSES[d.license][0],
            zones=(zone,),
            granularity=granularity,
            badges=d.badges,
            schemas=(d.schema,) if d.schema else (),
            temporal=(f"{d.year}-01-01", f"{d.year}-12-31"),
            featured=d.featured,
            access_type=d.access_type,
            created=iso(days_before_reference(d.created_days))[:19],
            last_update=iso(days_before_reference(d.updated_days))[:19],
            reuses=d.reuses,
            followers=d.followers,
            views=d.views,
        )

    def description(self, d: Draw) -> str:
        values = self.sentence_values(d)
        chosen = (vocab.SENTENCES[0], vocab.SENTENCES[d.sentence], vocab.SENTENCES[6])
        return " ".join(s.format(**values) for s in chosen)

    def sentence_values(self, d: Draw) -> dict[str, str]:
        return {
            "subject": vocab.SUBJECTS[d.subject],
            "qualifier": vocab.QUALIFIERS[d.qualifier],
            "theme": vocab.THEMES[d.theme][0].lower(),
            "place": vocab.PLACES[d.place],
            "frequency_label": vocab.FREQUENCIES[d.frequency][1],
            "org": self.orgs[d.org].name,
            "license_label": vocab.LICENSES[d.license][1],
            "year": str(d.year),
        }

    def resource_plan(self, d: Draw) -> list[tuple[str, str]]:
        """(format, type) of each resource of dataset `i`."""
        formats = vocab.THEMES[d.theme][2]
        plan = [(formats[j % len(formats)], "main") for j in range(d.n_resources - 1)]
        plan.append(("pdf", "documentation") if d.n_resources > 1 else (formats[0], "main"))
        if d.big_export:
            plan.append(("csv", "main"))
        return plan

    # -- lookups ---------------------------------------------------------------------------

    def index_of(self, key: str) -> int | None:
        return self.index_by_key.get(key)

    def view(self, index: int, fields: SearchFields) -> GeneratedDataset:
        return GeneratedDataset(self, index, fields)

    def resource(self, rid: str) -> tuple[int, int] | None:
        """(dataset index, position) of a generated resource id, if it exists."""
        decoded = decode_generated_resource_id(rid)
        if decoded is None or decoded[0] >= self.count:
            return None
        d = draw(decoded[0], len(self.orgs))
        return decoded if decoded[1] < len(self.resource_plan(d)) else None

    def is_tabular(self, index: int, position: int, fmt: str, kind: str) -> bool:
        return fmt in TABULAR_CANDIDATES and kind == "main" and (index + position) % 2 == 0

    def resources_of(self, index: int) -> list[Json]:
        d = draw(index, len(self.orgs))
        slug = self.slugs[index]
        theme = vocab.THEMES[d.theme][0]
        place = vocab.PLACES[d.place]
        created = days_before_reference(d.created_days)
        out = []
        for j, (fmt, kind) in enumerate(self.resource_plan(d)):
            rid = generated_resource_id(index, j)
            stamp = (created + timedelta(hours=j)).strftime("%Y%m%d-%H%M%S")
            tabular = self.is_tabular(index, j, fmt, kind)
            big = d.big_export and j == len(self.resource_plan(d)) - 1
            url = f"https://static.data.gouv.fr/resources/{slug}/{stamp}/{rid}.{fmt}"
            if big:
                rows = 50_000 + (index % 5) * 100_000
                url = f"{STANDIN_ORIGIN}/files/generated.csv?rows={rows}&seed={index}"
            title = (
                "Documentation"
                if kind == "documentation"
                else f"{theme} {place} {d.year} - {'export complet' if big else f'partie {j + 1}'}"
            )
            out.append(resource_body(rid, title, fmt, kind, url, iso(created), tabular, remote=big))
        return out


@dataclass(frozen=True, slots=True)
class GeneratedDataset:
    """A generated dataset, rendered on demand."""

    catalogue: GeneratedCatalogue
    index: int
    fields: SearchFields

    @property
    def id(self) -> str:
        return self.catalogue.ids[self.index]

    @property
    def slug(self) -> str:
        return self.catalogue.slugs[self.index]

    def resource_list(self) -> list[Json]:
        return self.catalogue.resources_of(self.index)

    def v2_body(self) -> Json:
        body = self._common()
        body["community_resources"] = community_link(self.id, 0)
        body["resources"] = resources_link(self.id, len(self.resource_list()))
        return dict(sorted(body.items()))

    def v1_body(self) -> Json:
        body = self._common()
        body["resources"] = self.resource_list()
        body["schema"] = None
        return dict(sorted(body.items()))

    def _common(self) -> Json:
        cat, f = self.catalogue, self.fields
        d = draw(self.index, len(cat.orgs))
        description = cat.description(d)
        created = iso(days_before_reference(d.created_days))
        updated = iso(days_before_reference(d.updated_days))
        return {
            "access_audiences": [],
            "access_type": f.access_type,
            "access_type_reason": None,
            "access_type_reason_category": None,
            "acronym": None,
            "archived": None,
            "authorization_request_url": None,
            "badges": [{"kind": b} for b in f.badges],
            "contact_points": [],
            "created_at": created,
            "deleted": None,
            "description": description,
            "description_short": description.split(". ")[0] + ".",
            "extras": {},
            "featured": f.featured,
            "frequency": vocab.FREQUENCIES[d.frequency][0],
            "frequency_date": None,
            "harvest": None,
            "id": self.id,
            "internal": {"created_at_internal": created, "last_modified_internal": updated},
            "last_modified": updated,
            "last_update": updated,
            "license": f.license,
            "metrics": {
                "discussions": d.reuses % 3,
                "followers": f.followers,
                "resources_downloads": f.views * 3,
                "reuses": f.reuses,
                "views": f.views,
            },
            "organization": org_ref(cat.orgs[d.org]),
            "owner": None,
            "page": f"{SITE}/datasets/{self.slug}",
            "permissions": {"delete": False, "edit": False, "edit_resources": False},
            "private": False,
            "quality": {
                "all_resources_available": True,
                "dataset_description_quality": True,
                "has_open_format": True,
                "has_resources": True,
                "license": f.license != "notspecified",
                "resources_documentation": d.n_resources > 1,
                "score": round(0.4 + (mix(self.index) % 60) / 100, 2),
                "spatial": True,
                "temporal_coverage": True,
                "update_frequency": True,
                "update_fulfilled_in_time": d.updated_days < 400,
            },
            "slug": self.slug,
            "spatial": {"geom": None, "granularity": f.granularity, "zones": list(f.zones)},
            "tags": list(f.tags),
            "temporal_coverage": {"end": f"{d.year}-12-31", "start": f"{d.year}-01-01"},
            "title": f.title,
            "uri": f"{API}/1/datasets/{self.slug}/",
        }
