"""The HTTP layer against slow and abusive clients, through `datagouv-mcp serve` in a
subprocess (its real server) on a loopback port: raw sockets for what no HTTP client sends."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from datagouv_mcp.testing.servers import (
    SAMPLE_PLUGIN,
    clean_env,
    cli_command,
    free_port,
    run_cli,
    wait_until_healthy,
)

TIMEOUT = 1.0  # the header and body deadlines of the test server, in seconds
SAMPLE = {"DATAGOUV_MCP_PLUGINS": "sample_plugin", "DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN}
LIST = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'


@contextmanager
def logged_server(log: Path, **env: str) -> Iterator[tuple[str, int]]:
    """`datagouv-mcp serve` with the sample plugin and `env`, its JSON log lines in `log`;
    yields its base URL and port once /health answers."""
    port = free_port()
    settings = {
        **SAMPLE,
        "DATAGOUV_MCP_HEADER_TIMEOUT_SECONDS": str(TIMEOUT),
        "DATAGOUV_MCP_BODY_TIMEOUT_SECONDS": str(TIMEOUT),
        **env,
    }
    with log.open("w") as stderr:
        process = subprocess.Popen(
            cli_command("serve", "--port", str(port)),
            env=clean_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base, process, "serve", output=log.read_text)
            yield base, port
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    with logged_server(log) as (base, port):
        yield base, port, log


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(10)
    return sock


def _read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def _request_head(length: int, path: str = "/mcp") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _jsonrpc_error(response: bytes) -> dict[str, Any]:
    body = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert body["jsonrpc"] == "2.0" and body["id"] is None
    return dict(body["error"])


def _errors_logged(log: Path) -> list[str]:
    lines = log.read_text().splitlines()
    return [
        line
        for line in lines
        if '"level": "error"' in line or '"level": "critical"' in line or "Traceback" in line
    ]


def test_slow_headers_are_closed_after_the_header_timeout(server: tuple[str, int, Path]) -> None:
    _, port, _ = server
    sockets = [_connect(port) for _ in range(20)]
    started = time.monotonic()
    for sock in sockets:
        sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
    answers = [_read_until_closed(sock) for sock in sockets]
    elapsed = time.monotonic() - started
    for sock in sockets:
        sock.close()
    assert TIMEOUT * 0.8 < elapsed < TIMEOUT + 3
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert "headers took over 1 s" in _jsonrpc_error(answer)["message"]


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    server: tuple[str, int, Path],
) -> None:
    _, port, _ = server
    with closing(_connect(port)) as sock:
        started = time.monotonic()
        _read_until_closed(sock)
        assert time.monotonic() - started < TIMEOUT + 3


def test_headers_dripped_on_a_kept_alive_connection_are_timed_out_too(
    server: tuple[str, int, Path],
) -> None:
    _, port, _ = server
    with closing(_connect(port)) as sock:
        sock.sendall(_request_head(len(LIST)) + LIST)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        closed = False
        # A byte every 0.2 s would reset uvicorn's keep-alive timer forever.
        for byte in b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: yes\r\n":
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.2)
        assert closed or _read_until_closed(sock).startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - started < TIMEOUT + 3


def test_slow_upload_is_answered_408_after_the_body_timeout_without_an_error_logged(
    server: tuple[str, int, Path],
) -> None:
    _, port, log = server
    with closing(_connect(port)) as sock:
        sock.sendall(_request_head(1000) + b'{"jsonrpc": "2.0",')
        started = time.monotonic()
        answer = _read_until_closed(sock)
    assert TIMEOUT * 0.8 < time.monotonic() - started < TIMEOUT + 3
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert "body took over 1 s" in _jsonrpc_error(answer)["message"]
    time.sleep(0.2)
    assert "http.body_timeout" in log.read_text()
    assert _errors_logged(log) == []


def test_abandoned_uploads_log_no_error_traceback(server: tuple[str, int, Path]) -> None:
    _, port, log = server
    for _ in range(5):
        with closing(_connect(port)) as sock:
            sock.sendall(_request_head(5000) + b'{"jsonrpc": "2.0", "id": 1, "method": "tools/')
            time.sleep(0.05)
    time.sleep(0.5)
    assert log.read_text().count("http.client_gone") >= 5
    assert _errors_logged(log) == []
    assert httpx.get(f"{server[0]}/health").status_code == 200


def test_a_body_nobody_reads_does_not_hold_the_connection(server: tuple[str, int, Path]) -> None:
    _, port, _ = server
    with closing(_connect(port)) as sock:
        sock.sendall(_request_head(100_000, path="/nowhere") + b"x" * 100)
        started = time.monotonic()
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 404 ")
    assert time.monotonic() - started < 5  # closed at once, not at the socket's 10 s timeout


def _get_health(sock: socket.socket) -> bytes:
    """One `GET /health` on a kept-alive connection: its answer, read to its Content-Length."""
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_an_idle_connection_outlives_the_clients_own_pool_expiry(
    server: tuple[str, int, Path],
) -> None:
    # httpx drops an idle connection after 5 s: the server (15 s by default) must not close it
    # first, or a request sent as it closes meets a reset.
    _, port, _ = server
    with closing(_connect(port)) as sock:
        assert _get_health(sock).startswith(b"HTTP/1.1 200 ")
        time.sleep(6)
        assert _get_health(sock).startswith(b"HTTP/1.1 200 ")


def test_an_idle_connection_is_closed_after_the_keepalive_setting(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    with (
        logged_server(log, DATAGOUV_MCP_KEEPALIVE_SECONDS="1") as (_, port),
        closing(_connect(port)) as sock,
    ):
        assert _get_health(sock).startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        assert _read_until_closed(sock) == b""
        assert 0.8 < time.monotonic() - started < 4


def test_connections_over_the_cap_get_a_503_with_a_jsonrpc_error(tmp_path: Path) -> None:
    with logged_server(
        tmp_path / "stderr.log",
        DATAGOUV_MCP_MAX_CONNECTIONS="3",
        DATAGOUV_MCP_HEADER_TIMEOUT_SECONDS="10",
    ) as (base, port):
        idle = [_connect(port) for _ in range(3)]
        time.sleep(0.2)
        refused = httpx.post(
            f"{base}/mcp", content=LIST, headers={"Content-Type": "application/json"}
        )
        for sock in idle:
            sock.close()
        time.sleep(0.2)
        served = httpx.post(
            f"{base}/mcp", content=LIST, headers={"Content-Type": "application/json"}
        )
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["message"].startswith("The server has too many open")
    assert served.status_code == 200
    assert "http.connection_limit" in (tmp_path / "stderr.log").read_text()


def test_host_check_runs_before_the_trailing_slash_redirect(
    server: tuple[str, int, Path],
) -> None:
    base, _, _ = server
    for path in ("/mcp/", "/elsewhere"):
        response = httpx.post(
            f"{base}{path}",
            content=LIST,
            headers={"Host": "evil.example", "Content-Type": "application/json"},
        )
        assert response.status_code == 421
        assert "location" not in response.headers
        assert "DATAGOUV_MCP_ALLOWED_HOSTS" in response.json()["error"]["message"]


def test_a_foreign_origin_is_refused_before_the_trailing_slash_redirect(
    server: tuple[str, int, Path],
) -> None:
    base, _, _ = server
    response = httpx.post(f"{base}/mcp/", content=LIST, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    assert "location" not in response.headers


def test_bad_http_settings_stop_start_up_naming_each_variable() -> None:
    bad = {
        "DATAGOUV_MCP_HEADER_TIMEOUT_SECONDS": ("0", "expected a number greater than 0"),
        "DATAGOUV_MCP_BODY_TIMEOUT_SECONDS": ("x", "expected a number greater than 0"),
        "DATAGOUV_MCP_MAX_CONNECTIONS": ("0", "expected an integer at least 1"),
        "DATAGOUV_MCP_RATE_LIMIT": ("fast", "expected one rate in the limits notation"),
        "DATAGOUV_MCP_TRUSTED_PROXIES": ("proxy", "expected IP addresses or networks"),
        "DATAGOUV_MCP_AUTH_TOKENS": ("short-secret", "expected tokens of at least 16"),
    }
    result = run_cli("serve", env={name: value for name, (value, _) in bad.items()})
    assert result.returncode == 2
    for name, (_, accepted) in bad.items():
        assert name in result.stderr and accepted in result.stderr, result.stderr
    assert "short-secret" not in result.stderr  # a token is never echoed
    assert "Traceback" not in result.stderr
