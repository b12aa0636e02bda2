"""JSON-RPC over HTTP, checked before the MCP SDK sees a message: every malformed request is
answered here with the spec's code and a short message of ours (never a parser's text, a URL
or the input echoed back), and every refusal of the HTTP layer has a JSON-RPC error body.

Pure: bytes and headers in, a `Refusal` (or None) out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
# Implementation-defined server errors (-32000 to -32019; the SDK keeps -32000 and -32001).
OVERLOADED = -32009
RATE_LIMITED = -32010
# The MCP code, with `data: {"supported": [...]}`, that the SDK's clients act on.
UNSUPPORTED_PROTOCOL_VERSION = -32022

SUPPORTED_VERSIONS = (*HANDSHAKE_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS)
JSON = "application/json"

# A method name of the protocol (`tools/call`, `notifications/initialized`): anything else is
# answered "Method not found" here, without echoing it as the SDK would.
_METHOD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,99}")

RequestId = str | int


@dataclass(frozen=True)
class Refusal:
    """A request refused before the MCP server: an HTTP status and a JSON-RPC error."""

    status: int
    code: int
    message: str
    id: RequestId | None = None
    data: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        message = {"jsonrpc": "2.0", "id": self.id, "error": error}
        return json.dumps(message, separators=(",", ":")).encode()

    def response_headers(self) -> dict[str, str]:
        return {"content-type": JSON, **self.headers}


def http_response(refusal: Refusal) -> bytes:
    """The whole HTTP/1.1 response, for a refusal written straight to a connection, which is
    then closed."""
    body = refusal.body()
    lines = [f"HTTP/1.1 {refusal.status} {_REASONS.get(refusal.status, 'Error')}"]
    headers = {**refusal.response_headers(), "content-length": str(len(body))}
    headers["connection"] = "close"
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


_REASONS = {408: "Request Timeout", 503: "Service Unavailable"}


def media_type(content_type: str | None) -> str:
    """`Application/JSON; charset=utf-8` -> `application/json`: media types are
    case-insensitive (RFC 9110)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def unsupported_media_type() -> Refusal:
    return Refusal(415, INVALID_REQUEST, f"Unsupported Media Type: send the body as {JSON}.")


def protocol_version_problem(version: str | None, request_id: RequestId | None) -> Refusal | None:
    """The refusal of an `MCP-Protocol-Version` this server does not speak, naming those it does."""
    if version is None or version in SUPPORTED_VERSIONS:
        return None
    return Refusal(
        400,
        UNSUPPORTED_PROTOCOL_VERSION,
        f"Unsupported protocol version: this server supports {', '.join(SUPPORTED_VERSIONS)}.",
        request_id,
        data={"supported": list(SUPPORTED_VERSIONS)},
    )


@dataclass(frozen=True)
class Message:
    """A JSON-RPC message whose envelope is sound: what the SDK may have."""

    value: dict[str, Any]

    @property
    def id(self) -> RequestId | None:
        found = self.value.get("id")
        return found if _valid_id(found) else None

    @property
    def method(self) -> str | None:
        method = self.value.get("method")
        return method if isinstance(method, str) else None


def _valid_id(value: object) -> bool:
    # MCP: a string or an integer, never null; a bool is not an integer here.
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def checked_message(body: bytes) -> Message | Refusal:
    """The body as one JSON-RPC message, or the refusal saying what is wrong with it."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return Refusal(400, PARSE_ERROR, "Parse error: the body is not valid JSON.")
    if isinstance(value, list):
        return Refusal(
            400,
            INVALID_REQUEST,
            "Invalid Request: batches are not supported; send one JSON-RPC message per request.",
        )
    if not isinstance(value, dict):
        return Refusal(400, INVALID_REQUEST, "Invalid Request: the body must be a JSON object.")
    message = Message(value)
    problem = _envelope_problem(message)
    return message if problem is None else problem


def _envelope_problem(message: Message) -> Refusal | None:
    value, request_id = message.value, message.id
    answer = "method" not in value and ("result" in value or "error" in value)
    # An error answer may have a null id (JSON-RPC); a request never (MCP).
    if "id" in value and not _valid_id(value["id"]) and not (answer and value["id"] is None):
        return Refusal(
            400, INVALID_REQUEST, "Invalid Request: 'id' must be a string or an integer."
        )
    if value.get("jsonrpc") != "2.0":
        return Refusal(
            400, INVALID_REQUEST, "Invalid Request: 'jsonrpc' must be \"2.0\".", request_id
        )
    if answer:
        return None  # a client's answer to the server: the SDK takes it
    if "method" not in value:
        return Refusal(400, INVALID_REQUEST, "Invalid Request: 'method' is missing.", request_id)
    method = value["method"]
    if not isinstance(method, str):
        return Refusal(
            400, INVALID_REQUEST, "Invalid Request: 'method' must be a string.", request_id
        )
    if "params" in value and not isinstance(value["params"], dict):
        return Refusal(
            400, INVALID_PARAMS, "Invalid params: 'params' must be an object.", request_id
        )
    if "id" in value and not _METHOD.fullmatch(method):
        return Refusal(200, METHOD_NOT_FOUND, "Method not found.", request_id)
    return None
