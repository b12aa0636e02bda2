"""udata object endpoints: datasets (v1, v2), resources, redirects, dataservices, orgs."""

from __future__ import annotations

import httpx
import pytest

from datagouv_mcp_standin.testing import CorpusIds as ids
from datagouv_mcp_standin.testing import Standin

NOT_FOUND = (
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again."
)


def test_dataset_by_id_and_by_slug_is_the_same_v1_body(client: httpx.Client) -> None:
    by_id = client.get(f"/api/1/datasets/{ids.POPULATION_DATASET_ID}/")
    by_slug = client.get(f"/api/1/datasets/{ids.POPULATION_DATASET_SLUG}/")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()
    body = by_id.json()
    assert body["id"] == ids.POPULATION_DATASET_ID
    assert isinstance(body["resources"], list) and body["resources"]


def test_v2_dataset_links_its_resources(client: httpx.Client, standin: Standin) -> None:
    body = client.get(f"/api/2/datasets/{ids.SIRENE_DATASET_ID}/").json()
    link = body["resources"]
    assert set(link) == {"rel", "href", "type", "total"}
    assert link["href"].startswith(f"{standin.url}/api/2/datasets/{ids.SIRENE_DATASET_ID}/")
    page = client.get(link["href"]).json()
    assert page["total"] == link["total"] == 18


def test_unknown_dataset_is_a_404_with_udata_message(client: httpx.Client) -> None:
    for version in (1, 2):
        response = client.get(f"/api/{version}/datasets/no-such-dataset/")
        assert response.status_code == 404
        assert response.json() == {"message": NOT_FOUND}


def test_paths_without_trailing_slash_redirect_with_308(client: httpx.Client) -> None:
    response = client.get("/api/1/datasets/population?x=1")
    assert response.status_code == 308
    assert response.headers["location"].endswith("/api/1/datasets/population/?x=1")
    assert client.get("/api/1/datasets/population", follow_redirects=True).status_code == 200


def test_unknown_api_route_has_udata_error_shape(client: httpx.Client) -> None:
    response = client.get("/api/1/oups/")
    assert response.status_code == 404
    assert response.json() == {"error": NOT_FOUND, "status": 404}


def test_generated_dataset_v1_v2_and_search_agree(client: httpx.Client) -> None:
    hit = client.get("/api/2/datasets/search/?q=velos&page_size=1").json()["data"][0]
    v1 = client.get(f"/api/1/datasets/{hit['slug']}/").json()
    v2 = client.get(f"/api/2/datasets/{hit['id']}/").json()
    assert v2 == hit
    assert v1["id"] == hit["id"] and len(v1["resources"]) == hit["resources"]["total"]
    assert {k for k in v2 if k not in ("resources", "community_resources")} <= set(v1)


def test_resources_pages(client: httpx.Client, standin: Standin) -> None:
    base = f"/api/2/datasets/{ids.COMMANDE_PUBLIQUE_DATASET_ID}/resources/"
    first = client.get(base).json()
    assert (first["page"], first["page_size"], first["total"]) == (1, 50, 1572)
    assert len(first["data"]) == 50 and first["previous_page"] is None
    assert first["next_page"] == (
        f"{standin.url}/api/2/datasets/{ids.COMMANDE_PUBLIQUE_DATASET_ID}/resources/"
        "?page=2&page_size=50"
    )
    last = client.get(f"{base}?page=32&page_size=50").json()
    assert len(last["data"]) == 22 and last["next_page"] is None
    assert last["previous_page"].endswith("page=31&page_size=50")
    slug = client.get(f"/api/2/datasets/{ids.POPULATION_DATASET_SLUG}/resources/?page_size=3")
    assert slug.json()["next_page"].endswith(
        f"/api/2/datasets/{ids.POPULATION_DATASET_ID}/resources/?page=2&page_size=3"
    )


def test_resources_filters_by_type_and_title(client: httpx.Client) -> None:
    base = f"/api/2/datasets/{ids.SIRENE_DATASET_ID}/resources/"
    docs = client.get(f"{base}?type=documentation").json()
    assert docs["total"] > 0 and all(r["type"] == "documentation" for r in docs["data"])
    found = client.get(f"{base}?q=STOCK").json()
    assert found["total"] > 0 and all("stock" in r["title"].lower() for r in found["data"])
    assert "q=STOCK" in (found["next_page"] or "q=STOCK")
    bad = client.get(f"{base}?type=nope")
    assert bad.status_code == 400
    assert bad.json()["message"] == "Input payload validation failed"


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
def test_non_positive_paging_is_a_400(client: httpx.Client, page: str) -> None:
    response = client.get(f"/api/2/datasets/{ids.SIRENE_DATASET_ID}/resources/?page={page}")
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Input payload validation failed"
    assert body["errors"]["page"].startswith("The page to display ")


def test_every_resource_of_every_recorded_dataset_resolves(client: httpx.Client) -> None:
    checked = 0
    search = client.get("/api/2/datasets/search/?page_size=100").json()
    for dataset in search["data"]:
        if dataset["resources"]["total"] > 100:
            continue
        v1 = client.get(f"/api/1/datasets/{dataset['id']}/").json()
        for resource in v1["resources"]:
            found = client.get(f"/api/2/datasets/resources/{resource['id']}/")
            assert found.status_code == 200, resource["id"]
            assert found.json()["dataset_id"] == dataset["id"]
            checked += 1
    assert checked > 100


def test_resource_by_uuid_in_any_spelling(client: httpx.Client) -> None:
    canonical = client.get(f"/api/2/datasets/resources/{ids.GENTILES_RESOURCE_ID}/").json()
    assert canonical["dataset_id"] == ids.GENTILES_DATASET_ID
    for spelling in (ids.GENTILES_RESOURCE_ID.upper(), ids.GENTILES_RESOURCE_ID.replace("-", "")):
        assert client.get(f"/api/2/datasets/resources/{spelling}/").json() == canonical


def test_resource_not_found_messages(client: httpx.Client) -> None:
    not_uuid = client.get("/api/2/datasets/resources/not-a-uuid/")
    assert not_uuid.status_code == 404 and not_uuid.json() == {"message": NOT_FOUND}
    unknown = client.get("/api/2/datasets/resources/11111111-2222-3333-4444-555555555555/")
    assert unknown.status_code == 404
    assert unknown.json()["message"].startswith("Resource does not exist.")


def test_latest_redirect_is_a_302_to_the_rewritten_url(
    client: httpx.Client, standin: Standin
) -> None:
    response = client.get(f"/api/1/datasets/r/{ids.GARES_RESOURCE_ID}")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(f"{standin.url}/static/resources/")
    assert client.get(location).status_code == 200
    missing = client.get("/api/1/datasets/r/11111111-2222-3333-4444-555555555555")
    assert missing.status_code == 404 and missing.json() == {"message": "Resource not found"}


def test_generated_resources_resolve_and_download(client: httpx.Client) -> None:
    hit = client.get("/api/2/datasets/search/?page_size=1&q=energie").json()["data"][0]
    resources = client.get(hit["resources"]["href"]).json()["data"]
    for resource in resources:
        found = client.get(f"/api/2/datasets/resources/{resource['id']}/").json()
        assert found == {"dataset_id": hit["id"], "resource": resource}
        file = client.get(resource["url"])
        assert file.status_code == 200 and file.content


def test_dataservice_by_id_and_slug(client: httpx.Client) -> None:
    by_id = client.get(f"/api/1/dataservices/{ids.API_ADRESSE_DATASERVICE_ID}/").json()
    by_slug = client.get(f"/api/1/dataservices/{by_id['slug']}/").json()
    assert by_id == by_slug and by_id["title"].startswith("API Adresse")
    missing = client.get("/api/1/dataservices/000000000000000000000001/")
    assert missing.status_code == 404
    assert "[/api/1/dataservices/000000000000000000000001/]" in missing.json()["message"]


def test_dataservice_documentation_is_served_offline(
    client: httpx.Client, standin: Standin
) -> None:
    for service_id in (ids.FICOBA_DATASERVICE_ID, ids.R2P_DATASERVICE_ID):
        service = client.get(f"/api/1/dataservices/{service_id}/").json()
        url = service["machine_documentation_url"]
        assert url.startswith(f"{standin.url}/openapi/")
        document = client.get(url).json()
        assert document["openapi"].startswith("3.") and document["paths"]


def test_dataservice_datasets_link_is_followable(client: httpx.Client) -> None:
    service = client.get(f"/api/1/dataservices/{ids.API_ADRESSE_DATASERVICE_ID}/").json()
    listing = client.get(service["datasets"]["href"])
    assert listing.status_code == 200
    assert set(listing.json()) >= {"data", "page", "page_size", "total"}


def test_organization_by_id_and_slug(client: httpx.Client) -> None:
    by_id = client.get(f"/api/1/organizations/{ids.INSEE_ORGANIZATION_ID}/").json()
    assert by_id["slug"] and by_id["members"] is not None
    assert client.get(f"/api/1/organizations/{by_id['slug']}/").json() == by_id
    missing = client.get("/api/1/organizations/nobody/")
    assert missing.status_code == 404 and missing.json() == {"message": NOT_FOUND}


def test_organizations_referenced_by_datasets_resolve(client: httpx.Client) -> None:
    search = client.get("/api/2/datasets/search/?page_size=50").json()
    for dataset in search["data"]:
        if dataset["organization"]:
            org = client.get(f"/api/1/organizations/{dataset['organization']['id']}/")
            assert org.status_code == 200
