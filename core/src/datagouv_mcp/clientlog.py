"""The log level each client asked for with logging/setLevel, for the log notifications
tools send with `callcontext.log_to_client`.

Over stateless HTTP, logging/setLevel and the tool calls after it are separate requests with
no session between them: the client is known by its address (the one the rate limit counts),
so clients behind one address share a level. Over stdio and in process there is one client.
Before a client sets a level, it gets no log notification.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

LEVELS: Final = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
MAX_CLIENTS = 10_000  # the oldest are forgotten past this


class ClientLogLevels:
    """Client (an address, or None for the one client of stdio) -> the level it asked for."""

    def __init__(self) -> None:
        self._levels: OrderedDict[str | None, str] = OrderedDict()

    def set(self, client: str | None, level: str) -> None:
        self._levels[client] = level
        self._levels.move_to_end(client)
        while len(self._levels) > MAX_CLIENTS:
            self._levels.popitem(last=False)

    def get(self, client: str | None) -> str | None:
        return self._levels.get(client)


def wanted(asked: str | None, level: str) -> bool:
    """Whether a message at `level` goes to a client that asked for `asked` (None: nothing)."""
    if asked not in LEVELS or level not in LEVELS:
        return False
    return LEVELS.index(level) >= LEVELS.index(asked)
