"""The JSON-RPC envelope check: any body gives a message or a refusal, never an exception; a
refusal is a JSON-RPC error with a short message of ours that echoes nothing it was sent."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from datagouv_mcp.jsonrpc import (
    SUPPORTED_VERSIONS,
    Message,
    Refusal,
    checked_message,
    http_response,
    media_type,
    protocol_version_problem,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.sampled_from(["2.0", "1.0", 2]),
        "id": json_values,
        "method": st.text(max_size=30) | json_values,
        "params": json_values,
        "result": json_values,
    },
)


def _check(outcome: Message | Refusal) -> None:
    if isinstance(outcome, Refusal):
        body = json.loads(outcome.body())
        assert body["jsonrpc"] == "2.0"
        assert set(body["error"]) <= {"code", "message", "data"}
        assert len(body["error"]["message"]) < 200
        assert body["id"] is None or isinstance(body["id"], str | int)


@given(st.binary(max_size=200))
def test_any_bytes_give_a_message_or_a_refusal(body: bytes) -> None:
    _check(checked_message(body))


@given(json_values | envelopes)
def test_any_json_gives_a_message_or_a_refusal(value: object) -> None:
    _check(checked_message(json.dumps(value).encode()))


@given(envelopes)
def test_a_message_passed_on_has_a_sound_envelope(value: dict[str, object]) -> None:
    outcome = checked_message(json.dumps(value).encode())
    if isinstance(outcome, Message):
        assert value["jsonrpc"] == "2.0"
        assert "method" in value or "result" in value
        if "method" in value:
            assert isinstance(value["method"], str)
            assert "params" not in value or isinstance(value["params"], dict)


def test_a_request_id_is_kept_in_its_refusal() -> None:
    refusal = checked_message(b'{"jsonrpc": "2.0", "id": "x1", "method": "a", "params": []}')
    assert isinstance(refusal, Refusal)
    assert (refusal.id, refusal.code) == ("x1", -32602)


def test_media_types_compare_without_case_or_parameters() -> None:
    assert media_type("Application/JSON; charset=utf-8") == "application/json"
    assert media_type(None) == ""


def test_known_protocol_versions_pass_and_others_name_the_supported_ones() -> None:
    assert all(protocol_version_problem(v, 1) is None for v in SUPPORTED_VERSIONS)
    assert protocol_version_problem(None, 1) is None
    refusal = protocol_version_problem("1999-01-01", 1)
    assert refusal is not None and refusal.code == -32022
    assert refusal.data == {"supported": list(SUPPORTED_VERSIONS)}


def test_a_refusal_written_to_a_connection_is_a_whole_http_response() -> None:
    raw = http_response(Refusal(408, -32600, "Request Timeout: too slow."))
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert f"content-length: {len(body)}".encode() in head and b"connection: close" in head
    assert json.loads(body)["error"]["message"] == "Request Timeout: too slow."
