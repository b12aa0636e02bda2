"""Reading the upstreams' error bodies: real recorded bodies and their shapes."""

from __future__ import annotations

import json

from datagouv_mcp.upstream.messages import upstream_message
from datagouv_mcp.upstream.retry import retry_after_seconds


def test_udata_404_message() -> None:
    body = {"message": "Dataset not found"}
    assert upstream_message(json.dumps(body).encode()) == "Dataset not found"


def test_udata_route_suggestions_are_dropped() -> None:
    body = {
        "message": "Resource does not exist. You have requested this URI "
        "[/api/2/datasets/resources/x/] but did you mean /api/2/datasets/resources/<uuid:rid>/ ?"
    }
    assert upstream_message(json.dumps(body).encode()) == "Resource does not exist."


def test_flask_restx_argument_errors_name_the_argument() -> None:
    body = {
        "errors": {"sort": "The value 'name' is not a valid choice for 'sort'."},
        "message": "Input payload validation failed",
    }
    assert upstream_message(json.dumps(body).encode()) == (
        "sort: The value 'name' is not a valid choice for 'sort'."
    )


def test_tabular_errors_with_postgrest_detail() -> None:
    body = {
        "errors": [
            {
                "code": "0f3c",
                "title": "Database error",
                "detail": {"code": "42703", "message": "column x.foo does not exist"},
            }
        ]
    }
    assert upstream_message(json.dumps(body).encode()) == (
        "Database error: column x.foo does not exist"
    )


def test_plain_text_and_html_bodies() -> None:
    assert upstream_message(b"404: Not Found") == "404: Not Found"
    assert upstream_message(b"<html><body>Oops</body></html>") == ""


def test_long_messages_are_cut() -> None:
    assert len(upstream_message(b"x" * 5000)) == 300


def test_retry_after_seconds_and_http_dates() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_which_failures_are_retried() -> None:
    import httpx

    from datagouv_mcp.upstream.errors import BlockedURL
    from datagouv_mcp.upstream.retry import RetryableStatus, is_retryable

    assert is_retryable(RetryableStatus(503, None, ""))
    assert is_retryable(httpx.ConnectError("refused"))
    assert is_retryable(httpx.RemoteProtocolError("reset"))
    assert not is_retryable(httpx.ReadTimeout("slow"))
    assert not is_retryable(BlockedURL("no"))
    assert not is_retryable(ValueError("no"))
