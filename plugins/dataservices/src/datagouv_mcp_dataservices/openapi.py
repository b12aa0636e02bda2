"""An API description (OpenAPI 3.0 or 3.1, Swagger 2; JSON or YAML) to a bounded summary:
title, version, servers, authentication, and each operation with its parameters (path-level
and `$ref`-erenced ones resolved, cycles cut), request body fields and main response. Pure;
raises OpenApiError (a ParseError) and nothing else.

The document comes from a URL anyone who publishes on the portal may write: it is untrusted.
Its size is bounded before it gets here; its structure is bounded here: local `$ref`s only,
a cycle is cut where it closes, and the walk stops after a budget of nodes (a YAML with
aliases can expand exponentially).
"""

from __future__ import annotations

import json
from typing import Any

import yaml  # type: ignore[import-untyped]

from datagouv_mcp import readers
from datagouv_mcp.errors import ParseError
from datagouv_mcp.text import clip
from datagouv_mcp_dataservices.models import ApiSpec, BodyField, Operation, Parameter

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
MAX_PARAMETERS = 40
MAX_FIELDS = 40
MAX_TEXT = 300
NODE_BUDGET = 500_000


class OpenApiError(ParseError):
    """The document is not an API description this plugin reads; the message says what it is."""

    source = "The API's documentation URL"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Budget:
    def __init__(self) -> None:
        self.left = NODE_BUDGET

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise OpenApiError("the document is too intricate to summarise (over 500,000 nodes)")


def load(body: bytes, content_type: str = "") -> dict[str, Any]:
    """The document as a mapping; an error saying what it is when it is not JSON or YAML of
    an API description."""
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        raise OpenApiError("an empty document")
    head = text[:512].lower()
    if head.startswith(("<!doctype html", "<html")) or "text/html" in content_type:
        raise OpenApiError("an HTML page, not an API description (JSON or YAML)")
    if head.startswith("<"):
        raise OpenApiError("an XML document, not an OpenAPI description (JSON or YAML)")
    try:
        document = json.loads(text) if text.startswith(("{", "[")) else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if text.startswith(("{", "[")) else "YAML"
        raise OpenApiError(f"not valid {kind} ({clip(' '.join(str(exc).split()), 120)})") from None
    except RecursionError:
        raise OpenApiError("a document nested too deeply to read") from None
    if not isinstance(document, dict):
        raise OpenApiError(f"a {type(document).__name__} in JSON or YAML, not an API description")
    if not (isinstance(document.get("openapi"), str) or document.get("swagger") in ("2.0", 2.0)):
        keys = ", ".join(clip(str(key), 30) for key in list(document)[:8]) or "none"
        raise OpenApiError(
            f"JSON or YAML that is not an OpenAPI or Swagger description (no `openapi` or "
            f"`swagger` field; its keys: {keys})"
        )
    return document


class Resolver:
    """Local `$ref`s (`#/components/schemas/X`, `#/parameters/Y`), cycles cut."""

    def __init__(self, document: dict[str, Any], budget: _Budget) -> None:
        self.document = document
        self.budget = budget

    def target(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return None  # another file: not fetched
        node: Any = self.document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                return None
        return node

    def deref(self, node: Any, seen: tuple[str, ...] = ()) -> tuple[Any, str | None]:
        """(the node a chain of `$ref`s leads to, the last ref name), None at a cycle."""
        name = None
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            self.budget.spend()
            ref = node["$ref"]
            if ref in seen:
                return None, ref.rsplit("/", 1)[-1]
            seen = (*seen, ref)
            name = ref.rsplit("/", 1)[-1]
            node = self.target(ref)
        return node, name


def _type_of(schema: Any, resolver: Resolver, seen: tuple[str, ...] = ()) -> str:
    """A schema in a few words: `string`, `integer`, `array of Commune`, `object Node`..."""
    resolved, name = resolver.deref(schema, seen)
    if resolved is None:
        return name or "any"
    record = readers.obj(resolved)
    kind = record.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = "/".join(str(k) for k in kind)
    if kind == "array":
        items = record.get("items")
        _, item_name = resolver.deref(items, seen)
        inner = item_name or readers.filled(readers.obj(items).get("type")) or "any"
        return f"array of {inner}"
    for combined in ("allOf", "oneOf", "anyOf"):
        if isinstance(record.get(combined), list):
            return f"{combined} ({len(record[combined])} schemas)" if not name else f"object {name}"
    if name and (kind in (None, "object")):
        return f"object {name}"
    text = str(kind) if kind else ("object" if "properties" in record else "any")
    fmt = readers.filled(record.get("format"))
    return f"{text} ({fmt})" if fmt else text


def _fields(schema: Any, resolver: Resolver) -> list[BodyField]:
    """The top-level properties of an object schema (`allOf` parts merged)."""
    resolved, _ = resolver.deref(schema)
    record = readers.obj(resolved)
    parts = [record]
    for part in _list(record.get("allOf")):
        parts.append(readers.obj(resolver.deref(part)[0]))
    fields: list[BodyField] = []
    for part in parts:
        required = set(readers.strings(part.get("required")))
        for name, prop in readers.obj(part.get("properties")).items():
            resolver.budget.spend()
            if len(fields) >= MAX_FIELDS:
                return fields
            fields.append(
                BodyField(
                    name=clip(str(name), 100),
                    type=_type_of(prop, resolver),
                    required=name in required,
                )
            )
    return fields


def _parameter(raw: Any, resolver: Resolver, swagger: bool) -> Parameter | None:
    resolved, _ = resolver.deref(raw)
    record = readers.obj(resolved)
    name, location = readers.filled(record.get("name")), readers.filled(record.get("in"))
    if name is None or location is None:
        return None
    kind = _type_of(record.get("schema"), resolver) if "schema" in record else None
    if swagger and kind is None:
        kind = _type_of(record, resolver) if record.get("type") else None
    description = " ".join((readers.text(record.get("description")) or "").split())
    return Parameter(
        name=clip(name, 100),
        location=clip(location, 20),
        required=record.get("required") is True or location == "path",
        type=kind,
        description=clip(description, MAX_TEXT) or None,
    )


def _content_schema(content: Any) -> tuple[str | None, Any]:
    """(media type, schema) of a 3.x content map, JSON first."""
    media = readers.obj(content)
    for kind in ("application/json", *media):
        if isinstance(media.get(kind), dict):
            return kind, media[kind].get("schema")
    return None, None


def _response(responses: Any, resolver: Resolver, swagger: bool) -> str | None:
    """The first success (2xx, else `default`): its description and the shape it returns.
    (YAML reads `200:` as an integer key: keys are compared as text.)"""
    record = readers.obj(responses)
    keys = {str(key): key for key in record}
    codes = sorted(code for code in keys if code.startswith("2")) or (
        ["default"] if "default" in keys else []
    )
    if not codes:
        return None
    resolved, _ = resolver.deref(record[keys[codes[0]]])
    answer = readers.obj(resolved)
    description = " ".join((readers.text(answer.get("description")) or "").split())
    schema = answer.get("schema") if swagger else _content_schema(answer.get("content"))[1]
    shape = f" ({_type_of(schema, resolver)})" if schema is not None else ""
    return clip(f"{codes[0]}: {description}{shape}".strip(), MAX_TEXT)


def _operation(
    path: str,
    method: str,
    raw: dict[str, Any],
    shared: list[Any],
    resolver: Resolver,
    swagger: bool,
) -> Operation:
    merged: dict[tuple[str, str], Parameter] = {}
    body: list[BodyField] | None = None
    body_type: str | None = None
    for item in [*shared, *_list(raw.get("parameters"))]:
        resolver.budget.spend()
        resolved, _ = resolver.deref(item)
        record = readers.obj(resolved)
        if swagger and record.get("in") == "body":
            body, body_type = _fields(record.get("schema"), resolver), "application/json"
            continue
        parameter = _parameter(item, resolver, swagger)
        if parameter is not None:
            merged[(parameter.name, parameter.location)] = parameter  # the operation's wins
    if not swagger and "requestBody" in raw:
        request, _ = resolver.deref(raw.get("requestBody"))
        body_type, schema = _content_schema(readers.obj(request).get("content"))
        body = _fields(schema, resolver) if schema is not None else []
    # No summary: the description's start (many descriptions have only that).
    summary = readers.text(raw.get("summary")) or readers.text(raw.get("description")) or ""
    return Operation(
        method=method.upper(),
        path=clip(path, 300),
        summary=clip(" ".join(summary.split()), MAX_TEXT) or None,
        operation_id=readers.filled(raw.get("operationId")),
        tags=[clip(tag, 60) for tag in readers.strings(raw.get("tags"))][:10],
        parameters=list(merged.values())[:MAX_PARAMETERS],
        body=body,
        body_type=body_type,
        response=_response(raw.get("responses"), resolver, swagger),
        deprecated=raw.get("deprecated") is True,
    )


def _servers(document: dict[str, Any], swagger: bool) -> list[str]:
    if swagger:
        host = readers.filled(document.get("host"))
        base = readers.filled(document.get("basePath")) or ""
        schemes = readers.strings(document.get("schemes")) or ["https"]
        return (
            [f"{scheme}://{host}{base}" for scheme in schemes] if host else ([base] if base else [])
        )
    servers = []
    for server in _list(document.get("servers")):
        url = readers.filled(readers.obj(server).get("url"))
        if url is None:
            continue
        for name, variable in readers.obj(readers.obj(server).get("variables")).items():
            default = readers.obj(variable).get("default")
            url = url.replace("{" + str(name) + "}", str(default))
        servers.append(clip(url, 300))
    return servers[:10]


def _security(document: dict[str, Any], swagger: bool) -> list[str]:
    schemes = (
        document.get("securityDefinitions")
        if swagger
        else readers.obj(document.get("components")).get("securitySchemes")
    )
    described = []
    for name, raw in readers.obj(schemes).items():
        scheme = readers.obj(raw)
        kind = readers.filled(scheme.get("type")) or "?"
        if kind == "apiKey":
            what = f"API key in {scheme.get('in', '?')} {scheme.get('name', '?')!r}"
        elif kind == "http":
            what = f"HTTP {scheme.get('scheme', '?')}" + (
                f" ({scheme['bearerFormat']})" if scheme.get("bearerFormat") else ""
            )
        elif kind == "oauth2":
            flows = list(readers.obj(scheme.get("flows"))) or [str(scheme.get("flow") or "")]
            what = "OAuth 2" + (f" ({', '.join(f for f in flows if f)})" if any(flows) else "")
        elif kind == "basic":
            what = "HTTP basic"
        else:
            what = kind
        described.append(clip(f"{name}: {what}", 200))
    return described[:10]


def summarise(document: dict[str, Any]) -> ApiSpec:
    """Every operation of the description, and what it says of the API itself."""
    swagger = "swagger" in document and "openapi" not in document
    budget = _Budget()
    resolver = Resolver(document, budget)
    info = readers.obj(document.get("info"))
    operations = []
    for path, raw_item in readers.obj(document.get("paths")).items():
        budget.spend()
        item = readers.obj(resolver.deref(raw_item)[0])
        listed = item.get("parameters")
        shared: list[Any] = listed if isinstance(listed, list) else []
        for method in METHODS:
            if isinstance(item.get(method), dict):
                operations.append(
                    _operation(str(path), method, item[method], shared, resolver, swagger)
                )
    version = (
        f"Swagger {document.get('swagger')}" if swagger else f"OpenAPI {document.get('openapi')}"
    )
    description = " ".join((readers.text(info.get("description")) or "").split())
    return ApiSpec(
        format=version,
        title=clip(readers.text(info.get("title")) or "", 200),
        version=clip(str(info.get("version") or ""), 60) or None,
        description=clip(description, 1000) or None,
        servers=_servers(document, swagger),
        security=_security(document, swagger),
        operations=operations,
    )


def parse_spec(body: bytes, content_type: str = "") -> ApiSpec:
    """The summary of a fetched document; OpenApiError saying what the document is otherwise."""
    try:
        return summarise(load(body, content_type))
    except RecursionError:
        raise OpenApiError("a document nested too deeply to summarise") from None
