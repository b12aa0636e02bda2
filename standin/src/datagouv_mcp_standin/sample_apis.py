"""Sample dataservices and the API descriptions they point to, served at
`/files/openapi/{name}`: OpenAPI 3.1 (JSON), Swagger 2 (YAML), a huge one (thousands of
operations, generated), one with `$ref` cycles, an HTML page and JSON that is not an API;
plus dataservices whose documentation URL the gateway's guarded fetch must refuse.
"""

from __future__ import annotations

import json
from typing import Any

import yaml  # type: ignore[import-untyped]

from datagouv_mcp_standin.records import Json
from datagouv_mcp_standin.rewrite import STANDIN_ORIGIN
from datagouv_mcp_standin.sample_files import DATASET_ID as SAMPLE_FILES_DATASET_ID

POPULATION_DATASET_ID = "53699d0ea3a729239d205b2e"
DOCS = f"{STANDIN_ORIGIN}/files/openapi"
REFUSED_DOC = "http://127.0.0.2:9/openapi.json"
ORGANIZATION = {
    "acronym": None,
    "badges": [{"kind": "public-service"}],
    "class": "Organization",
    "id": "5f7e57a91a5000000000a915",
    "name": "Services d'essai du stand-in",
    "slug": "services-d-essai-du-stand-in",
    "page": "https://www.data.gouv.fr/organizations/services-d-essai-du-stand-in",
    "uri": "https://www.data.gouv.fr/api/1/organizations/services-d-essai-du-stand-in/",
}


def _id(n: int) -> str:
    return f"5f7e57a91a500000000000{n:02d}"


# id: (slug, title, documentation URL, access type, related datasets)
SAMPLES: dict[str, tuple[str, str, str | None, str, tuple[str, ...]]] = {
    _id(1): ("api-d-essai-openapi-3-1", "API d'essai OpenAPI 3.1", f"{DOCS}/openapi-3.1.json",
             "open", (SAMPLE_FILES_DATASET_ID, POPULATION_DATASET_ID)),
    _id(2): ("api-d-essai-swagger-2", "API d'essai Swagger 2", f"{DOCS}/swagger-2.yaml",
             "restricted", (POPULATION_DATASET_ID,)),
    _id(3): ("api-d-essai-immense", "API d'essai immense", f"{DOCS}/huge.json", "open", ()),
    _id(4): ("api-d-essai-page-web", "API d'essai documentée par une page web",
             f"{DOCS}/page.html", "open", ()),
    _id(5): ("api-d-essai-sans-description", "API d'essai décrite par un JSON quelconque",
             f"{DOCS}/not-an-api.json", "open", ()),
    _id(6): ("api-d-essai-adresse-refusee", "API d'essai à une adresse refusée", REFUSED_DOC,
             "open", ()),
    _id(7): ("api-d-essai-redirection-refusee", "API d'essai redirigée vers une adresse refusée",
             f"{STANDIN_ORIGIN}/files/redirect?to={REFUSED_DOC}&status=302", "open", ()),
    _id(8): ("api-d-essai-sans-documentation", "API d'essai sans documentation machine", None,
             "open", ()),
}  # fmt: skip
HUGE_OPERATIONS = 3000


def dataservice_body(id_: str) -> Json:
    slug, title, doc, access, datasets = SAMPLES[id_]
    return {
        "access_audiences": [],
        "access_type": access,
        "access_type_reason": "Données personnelles" if access == "restricted" else None,
        "access_type_reason_category": None,
        "acronym": None,
        "archived_at": None,
        "authorization_request_url": (
            f"https://www.data.gouv.fr/dataservices/{slug}/demande-acces"
            if access == "restricted"
            else None
        ),
        "availability": 99.5,
        "availability_url": None,
        "badges": [],
        "base_api_url": f"https://api.example.org/{slug}/v1/",
        "business_documentation_url": f"https://doc.example.org/{slug}",
        "contact_points": [],
        "created_at": "2025-01-15T10:00:00+00:00",
        "datasets": {
            "href": f"https://www.data.gouv.fr/api/1/datasets/?dataservice={id_}",
            "rel": "subsection",
            "total": len(datasets),
            "type": "GET",
        },
        "deleted_at": None,
        "description": f"{title} : une API d'exemple du stand-in, pour les essais.",
        "extras": {"standin:generated": True},
        "featured": False,
        "format": "REST",
        "harvest": None,
        "id": id_,
        "license": "lov2",
        "machine_documentation_url": doc,
        "metadata_modified_at": "2026-08-20T10:00:00+00:00",
        "metrics": {"discussions": 0, "followers": 1, "reuses": 0, "views": 42},
        "organization": ORGANIZATION,
        "owner": None,
        "private": False,
        "rate_limiting": "50 requêtes par seconde",
        "rate_limiting_url": None,
        "self_api_url": f"https://www.data.gouv.fr/api/1/dataservices/{slug}/",
        "self_web_url": f"https://www.data.gouv.fr/dataservices/{slug}",
        "slug": slug,
        "tags": ["essai", "stand-in"],
        "technical_documentation_url": f"https://doc.example.org/{slug}/technique",
        "title": title,
    }


def related_datasets() -> dict[str, tuple[str, ...]]:
    """Each sample dataservice's datasets (what `/api/1/datasets/?dataservice=` lists)."""
    return {id_: sample[4] for id_, sample in SAMPLES.items()}


# -- the documents ---------------------------------------------------------------------------

_PAGING = [
    {"$ref": "#/components/parameters/Page"},
    {"name": "page_size", "in": "query", "schema": {"type": "integer", "maximum": 100}},
]


def openapi_31() -> dict[str, Any]:
    """OpenAPI 3.1: servers, security schemes, path-level and `$ref` parameters, a request
    body, `$ref` responses, and a schema that refers to itself (a tree)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "API d'essai", "version": "2.4.0", "description": "Pour les essais."},
        "servers": [{"url": "https://api.example.org/essai/v2"}],
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-KEY"},
                "oauth": {"type": "oauth2", "flows": {}},
            },
            "parameters": {
                "Page": {"name": "page", "in": "query", "schema": {"type": "integer"}},
                "Code": {"name": "code", "in": "path", "required": True,
                         "schema": {"type": "string"}, "description": "Code INSEE."},
                "Loop": {"$ref": "#/components/parameters/Loop2"},
                "Loop2": {"$ref": "#/components/parameters/Loop"},
            },
            "schemas": {
                "Commune": {"type": "object", "required": ["code"],
                            "properties": {"code": {"type": "string"}, "nom": {"type": "string"},
                                           "population": {"type": "integer"}}},
                "Node": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                }},
            },
            "responses": {"NotFound": {"description": "Commune inconnue"}},
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/communes": {
                "get": {"summary": "Lister les communes", "tags": ["communes"],
                        "parameters": [*_PAGING, {"name": "nom", "in": "query",
                                                  "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "Les communes", "content": {
                            "application/json": {"schema": {"type": "array", "items": {
                                "$ref": "#/components/schemas/Commune"}}}}}}},
                "post": {"summary": "Créer une commune", "tags": ["communes"],
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Commune"}}}},
                         "responses": {"201": {"description": "Créée"}}},
            },
            "/communes/{code}": {
                "parameters": [{"$ref": "#/components/parameters/Code"}],
                "get": {"summary": "Une commune", "tags": ["communes"], "operationId": "getCommune",
                        "responses": {"200": {"description": "La commune", "content": {
                            "application/json": {"schema": {
                                "$ref": "#/components/schemas/Commune"}}}},
                                      "404": {"$ref": "#/components/responses/NotFound"}}},
                "delete": {"summary": "Supprimer une commune", "tags": ["admin"],
                           "parameters": [{"$ref": "#/components/parameters/Loop"}],
                           "responses": {"204": {"description": "Supprimée"}}},
            },
            "/arbres": {
                "get": {"summary": "L'arbre des territoires", "tags": ["territoires"],
                        "responses": {"200": {"description": "Un arbre", "content": {
                            "application/json": {"schema": {
                                "$ref": "#/components/schemas/Node"}}}}}},
            },
        },
    }  # fmt: skip


def swagger_2() -> dict[str, Any]:
    """Swagger 2.0: host, basePath and schemes; securityDefinitions; a body parameter;
    path-level and `$ref` parameters."""
    return {
        "swagger": "2.0",
        "info": {"title": "API d'essai (Swagger)", "version": "1.0"},
        "host": "api.example.org",
        "basePath": "/swagger/v1",
        "schemes": ["https"],
        "securityDefinitions": {"basic": {"type": "basic"}},
        "parameters": {"Siren": {"name": "siren", "in": "path", "required": True,
                                 "type": "string", "description": "Numéro SIREN."}},
        "definitions": {"Entreprise": {"type": "object", "required": ["siren"], "properties": {
            "siren": {"type": "string"}, "denomination": {"type": "string"}}}},
        "paths": {
            "/entreprises/{siren}": {
                "parameters": [{"$ref": "#/parameters/Siren"}],
                "get": {"summary": "Une entreprise", "tags": ["entreprises"],
                        "responses": {"200": {"description": "L'entreprise",
                                              "schema": {"$ref": "#/definitions/Entreprise"}}}},
                "put": {"summary": "Mettre à jour une entreprise", "tags": ["entreprises"],
                        "parameters": [{"name": "corps", "in": "body", "required": True,
                                        "schema": {"$ref": "#/definitions/Entreprise"}}],
                        "responses": {"200": {"description": "Mise à jour"}}},
            },
        },
    }  # fmt: skip


def huge(operations: int = HUGE_OPERATIONS) -> dict[str, Any]:
    paths = {
        f"/ressources/{n}": {
            "get": {"summary": f"Lire la ressource {n}", "tags": [f"groupe-{n % 10}"],
                    "parameters": [{"name": "champ", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "La ressource"}}},
        }
        for n in range(operations)
    }  # fmt: skip
    return {"openapi": "3.0.3", "info": {"title": "API immense", "version": "9"}, "paths": paths}


def document(name: str) -> tuple[bytes, str] | None:
    """(body, content type) of a sample document, or None."""
    if name == "openapi-3.1.json":
        return json.dumps(openapi_31()).encode(), "application/json"
    if name == "swagger-2.yaml":
        return yaml.safe_dump(swagger_2(), allow_unicode=True).encode(), "application/yaml"
    if name == "huge.json":
        return json.dumps(huge()).encode(), "application/json"
    if name == "page.html":
        page = "<!DOCTYPE html><html><head><title>Documentation</title></head><body></body></html>"
        return page.encode(), "text/html; charset=utf-8"
    if name == "not-an-api.json":
        return json.dumps({"bonjour": "le monde", "version": 3}).encode(), "application/json"
    return None
