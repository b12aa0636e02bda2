"""Objects the stand-in adds around recorded ones so the recorded catalogue is consistent.

- A recorded dataset whose `resources.total` exceeds the resources recorded for it (search
  hits carry only the count; some recordings were trimmed) gets filler resources, so its
  resources pages hold as many items as its link announces.
- A recorded resource whose dataset was never recorded gets a skeleton parent dataset, so
  `dataset_id` leads somewhere.

Both carry `extras["standin:generated"] = true`, telling test authors they are not recorded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from datagouv_mcp_standin.generated_parts import resource_body
from datagouv_mcp_standin.ids import filler_resource_id
from datagouv_mcp_standin.records import API, SITE, Json
from datagouv_mcp_standin.textsearch import slugify

GENERATED_MARK = "standin:generated"
_FILLER_FORMATS = ("csv", "json", "pdf", "zip", "xlsx")


def filler_resources(dataset: Json, start: int, stop: int) -> list[Json]:
    """Resources `start`..`stop - 1` of a recorded dataset whose recording lacks them."""
    dataset_id = str(dataset["id"])
    slug = str(dataset.get("slug") or dataset_id)
    created = str(dataset.get("created_at") or "2020-01-01T00:00:00+00:00")
    out = []
    for position in range(start, stop):
        rid = filler_resource_id(dataset_id, position)
        fmt = _FILLER_FORMATS[position % len(_FILLER_FORMATS)]
        url = f"https://static.data.gouv.fr/resources/{slug}/standin/{rid}.{fmt}"
        title = f"{dataset.get('title') or slug} - ressource {position + 1}"
        body = resource_body(rid, title, fmt, "main", url, created, tabular=False)
        body["extras"][GENERATED_MARK] = True
        out.append(body)
    return out


def parent_slug_and_title(resource: Json) -> tuple[str, str]:
    """Guess a dataset slug and title from a resource (its static URL names the dataset)."""
    url = urlsplit(str(resource.get("url") or ""))
    parts = url.path.strip("/").split("/")
    if url.hostname == "static.data.gouv.fr" and len(parts) > 1 and parts[0] == "resources":
        slug = parts[1]
        return slug, slug.replace("-", " ").capitalize()
    title = str(resource.get("title") or "Jeu de données")
    return slugify(title), title


def skeleton_dataset(dataset_id: str, resources: list[Json]) -> Json:
    """A plausible v1 body for the unrecorded parent of recorded resources."""
    slug, title = parent_slug_and_title(resources[0])
    created = min(str(r.get("created_at") or "") for r in resources) or None
    modified = max(str(r.get("last_modified") or "") for r in resources) or None
    description = "\n\n".join(
        str(r.get("description") or "").strip() for r in resources if r.get("description")
    )
    body: dict[str, Any] = {
        "access_audiences": [],
        "access_type": "open",
        "access_type_reason": None,
        "access_type_reason_category": None,
        "acronym": None,
        "archived": None,
        "authorization_request_url": None,
        "badges": [],
        "contact_points": [],
        "created_at": created,
        "deleted": None,
        "description": description or title,
        "description_short": None,
        "extras": {GENERATED_MARK: True},
        "featured": False,
        "frequency": "unknown",
        "frequency_date": None,
        "harvest": None,
        "id": dataset_id,
        "internal": {"created_at_internal": created, "last_modified_internal": modified},
        "last_modified": modified,
        "last_update": modified,
        "license": "notspecified",
        "metrics": {"discussions": 0, "followers": 0, "reuses": 0, "views": 0},
        "organization": None,
        "owner": None,
        "page": f"{SITE}/datasets/{slug}",
        "permissions": {"delete": False, "edit": False, "edit_resources": False},
        "private": False,
        "quality": None,
        "resources": resources,
        "schema": None,
        "slug": slug,
        "spatial": None,
        "tags": [],
        "temporal_coverage": None,
        "title": title,
        "uri": f"{API}/1/datasets/{slug}/",
    }
    return body


def organization_from_ref(ref: Json) -> Json:
    """A full organization body built from the short reference embedded in a dataset."""
    body = {k: v for k, v in ref.items() if k not in ("class", "permissions")}
    body.setdefault("badges", [])
    body.update(
        {
            "business_number_id": None,
            "created_at": None,
            "deleted": None,
            "description": "",
            "extras": {GENERATED_MARK: True},
            "last_modified": None,
            "members": [],
            "metrics": {"datasets": 0, "followers": 0, "members": 0, "reuses": 0, "views": 0},
            "url": None,
        }
    )
    return dict(sorted(body.items()))
