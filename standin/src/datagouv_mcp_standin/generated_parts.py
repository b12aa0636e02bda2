"""Generated building blocks: organizations and resource objects in the 2026 shapes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from datagouv_mcp_standin import vocabulary as vocab
from datagouv_mcp_standin.ids import days_before_reference, iso, mix, object_id
from datagouv_mcp_standin.records import API, PARQUET_EXPORT_URL, PARQUET_URL, SITE, Json
from datagouv_mcp_standin.rewrite import STANDIN_ORIGIN
from datagouv_mcp_standin.textsearch import slugify

ORG_SALT = 0x0A


@dataclass(frozen=True, slots=True)
class GeneratedOrg:
    id: str
    name: str
    slug: str
    producer_type: str
    badges: tuple[str, ...]
    place: str


def generated_org(k: int) -> GeneratedOrg:
    pattern, producer, badges = vocab.ORGANIZATION_PATTERNS[k % len(vocab.ORGANIZATION_PATTERNS)]
    place = vocab.PLACES[(k // len(vocab.ORGANIZATION_PATTERNS)) % len(vocab.PLACES)]
    name = pattern.format(place=place)
    rounds = k // (len(vocab.ORGANIZATION_PATTERNS) * len(vocab.PLACES))
    slug = slugify(name) + (f"-{rounds}" if rounds else "")
    created = days_before_reference(3000 + k % 900)
    return GeneratedOrg(object_id(created, ORG_SALT, k), name, slug, producer, badges, place)


def org_ref(org: GeneratedOrg) -> Json:
    return {
        "acronym": None,
        "badges": [{"kind": b} for b in org.badges],
        "class": "Organization",
        "id": org.id,
        "logo": f"{STANDIN_ORIGIN}/files/logo.png",
        "logo_thumbnail": f"{STANDIN_ORIGIN}/files/logo.png",
        "name": org.name,
        "page": f"{SITE}/organizations/{org.slug}",
        "slug": org.slug,
        "uri": f"{API}/1/organizations/{org.slug}/",
    }


def org_body(org: GeneratedOrg, k: int, dataset_count: int) -> Json:
    created = days_before_reference(3000 + k % 900)
    body = org_ref(org)
    del body["class"]
    body.update(
        {
            "business_number_id": f"{mix(k) % 10**14:014d}",
            "created_at": iso(created),
            "deleted": None,
            "description": f"{org.name} publie ses données ouvertes sur data.gouv.fr.",
            "extras": {},
            "last_modified": iso(created + timedelta(days=400)),
            "members": [],
            "metrics": {
                "datasets": dataset_count,
                "followers": mix(k) % 40,
                "members": 1 + mix(k) % 5,
                "reuses": mix(k + 1) % 12,
                "views": mix(k + 2) % 5000,
            },
            "url": None,
        }
    )
    return dict(sorted(body.items()))


def resource_body(
    rid: str,
    title: str,
    fmt: str,
    kind: str,
    url: str,
    created_at: str,
    tabular: bool,
    remote: bool = False,
) -> Json:
    """A resource object in the 2026 shape."""
    size = 2_000 + mix(int(rid[:8], 16)) % 3_000_000
    extras: Json = {
        "check:available": True,
        "check:status": 200,
        "check:headers:content-type": vocab.MIME_TYPES.get(fmt, "application/octet-stream"),
    }
    if tabular:
        extras["analysis:parsing:parsing_table"] = rid.replace("-", "")[:32]
        extras["analysis:parsing:finished_at"] = created_at
        extras[PARQUET_URL] = PARQUET_EXPORT_URL.format(rid=rid)
    return {
        "checksum": None if remote else {"type": "sha1", "value": f"{mix(size):016x}" * 2},
        "created_at": created_at,
        "description": f"Fichier {fmt.upper()} : {title}.",
        "extras": extras,
        "filesize": None if remote else size,
        "filetype": "remote" if remote else "file",
        "format": fmt,
        "harvest": None,
        "id": rid,
        "internal": {"created_at_internal": created_at, "last_modified_internal": created_at},
        "last_modified": created_at,
        "latest": f"{API}/1/datasets/r/{rid}",
        "metrics": {"views": size % 997},
        "mime": vocab.MIME_TYPES.get(fmt),
        "preview_url": f"https://explore.data.gouv.fr/fr/resources/{rid}" if tabular else None,
        "schema": None,
        "title": title,
        "type": kind,
        "url": url,
    }
