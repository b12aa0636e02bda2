"""The outer ASGI layer: request counting, fault injection and verbatim replay.

Order per request: count it (unless admin), roll the faults for its path, then either
replay the recorded body for exactly this path and query or hand over to the routes.
Admin paths (`/_standin/`) are never counted and never faulted.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from starlette.routing import BaseRoute, Match

from datagouv_mcp_standin.catalog import Catalogue
from datagouv_mcp_standin.corpus import query_key
from datagouv_mcp_standin.faults import Fault, FaultRegistry
from datagouv_mcp_standin.responses import base_url_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ADMIN_PREFIX = "/_standin/"
_TEXTUAL = ("json", "yaml", "text", "xml")


class RequestStats:
    """Counts per route template and per exact path+query, and distinct client connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.routes: Counter[str] = Counter()
            self.paths: Counter[str] = Counter()
            self.connections: set[tuple[str, int]] = set()

    def record(self, method: str, template: str, target: str, client: Any) -> None:
        with self._lock:
            self.total += 1
            self.routes[f"{method} {template}"] += 1
            self.paths[f"{method} {target}"] += 1
            if client:
                self.connections.add((str(client[0]), int(client[1])))

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self.total,
                "connections": len(self.connections),
                "routes": dict(sorted(self.routes.items())),
                "paths": dict(sorted(self.paths.items())),
            }


def abort_connection() -> bool:
    """Drop the current connection with a TCP reset, before any response byte.

    ASGI gives no handle on the socket, so find uvicorn's RequestResponseCycle (the coroutine
    running this request) and abort its transport with SO_LINGER 0. Returns False when the
    server is not uvicorn's; the caller then falls back to a broken response.
    """
    task = asyncio.current_task()
    frame = getattr(task.get_coro(), "cr_frame", None) if task else None
    owner = frame.f_locals.get("self") if frame is not None else None
    transport = getattr(owner, "transport", None)
    if not isinstance(transport, asyncio.Transport):
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


class StandinMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        catalogue: Catalogue,
        faults: FaultRegistry,
        stats: RequestStats,
        routes: Sequence[BaseRoute],
    ) -> None:
        self.app = app
        self.catalogue = catalogue
        self.faults = faults
        self.stats = stats
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope["path"] + (f"?{query}" if query else "")
        self.stats.record(scope["method"], self._template(scope), target, scope.get("client"))
        decision = self.faults.decide(scope["path"])
        if decision.delay_s:
            await asyncio.sleep(decision.delay_s)
        if decision.fault is None:
            await self._serve(scope, receive, send)
        else:
            await self._apply(decision.fault, scope, receive, send)

    def _template(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return str(getattr(route, "path", scope["path"]))
        return "(no route)"

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The recorded body for exactly this path and query, else the routes."""
        query = scope.get("query_string", b"").decode("latin-1")
        recorded = self.catalogue.replays.get((scope["path"], query_key(query)))
        # A patched dataset may sit in any recorded udata answer: compute them all meanwhile.
        patched = self.catalogue.patches and scope["path"].startswith("/api/")
        if recorded is None or patched or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body = recorded.raw
        if any(t in recorded.content_type for t in _TEXTUAL):
            text = self.catalogue.rewriter.apply(body.decode("utf-8"), base_url_of(scope))
            body = text.encode("utf-8")
        headers = [
            (b"content-type", recorded.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"x-standin-replay", recorded.relpath.encode()),
        ]
        await send({"type": "http.response.start", "status": recorded.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    # -- faults ----------------------------------------------------------------------------

    async def _apply(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.kind in ("status", "retry_after"):
            status = fault.http_status()
            body = json.dumps({"message": f"Stand-in fault: HTTP {status}"}).encode()
            headers = [(b"content-type", b"application/json")]
            retry_after = fault.retry_after_header()
            if retry_after is not None:
                headers.append((b"retry-after", retry_after.encode()))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        elif fault.kind == "hang":
            await _wait_for_disconnect(receive)
        elif fault.kind == "reset":
            if abort_connection():
                await _wait_for_disconnect(receive)
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise ConnectionAbortedError("stand-in fault: reset")
        elif fault.kind == "endless_body":
            await self._endless(fault, receive, send)
        else:
            status, headers, body = await self._capture(scope, receive)
            if fault.kind == "malformed_json":
                await self._malformed(body, send)
            else:
                await self._slow(fault, status, headers, body, receive, send)

    async def _capture(self, scope: Scope, receive: Receive) -> tuple[int, list[Any], bytes]:
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self._serve(scope, receive, capture)
        return int(start.get("status", 200)), list(start.get("headers", [])), b"".join(chunks)

    async def _malformed(self, body: bytes, send: Send) -> None:
        truncated = body[: max(1, len(body) // 2)]
        try:
            json.loads(truncated)
            truncated = b'{"data": ['  # the half happened to parse: make sure it cannot
        except ValueError:
            pass
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(truncated)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": truncated})

    async def _slow(
        self,
        fault: Fault,
        status: int,
        headers: list[Any],
        body: bytes,
        receive: Receive,
        send: Send,
    ) -> None:
        gone = _watch_disconnect(receive)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        for start in range(0, len(body), fault.chunk_bytes):
            if gone.is_set():
                return
            chunk = body[start : start + fault.chunk_bytes]
            more = start + fault.chunk_bytes < len(body)
            await send({"type": "http.response.body", "body": chunk, "more_body": more})
            if more:
                await asyncio.sleep(fault.latency_ms / 1000)
        if not body:
            await send({"type": "http.response.body", "body": b""})

    async def _endless(self, fault: Fault, receive: Receive, send: Send) -> None:
        gone = _watch_disconnect(receive)
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"data": [', "more_body": True})
        filler = b'{"standin": "endless body"},' * 512  # about 14 KB per chunk
        try:
            while not gone.is_set():
                await send({"type": "http.response.body", "body": filler, "more_body": True})
                await asyncio.sleep(0)  # let the disconnect watcher run
        except OSError:
            return


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _watch_disconnect(receive: Receive) -> asyncio.Event:
    """An event set when the client goes away, watched by a background task."""
    gone = asyncio.Event()

    async def watch() -> None:
        await _wait_for_disconnect(receive)
        gone.set()

    task = asyncio.get_running_loop().create_task(watch())
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return gone


_BACKGROUND: set[asyncio.Task[None]] = set()
