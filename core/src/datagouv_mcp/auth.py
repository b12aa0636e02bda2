"""Optional bearer tokens for a private deployment (`DATAGOUV_MCP_AUTH_TOKENS`,
`DATAGOUV_MCP_AUTH_TOKENS_FILE`): off when none is set, as on the public service.

A token is checked against every configured one in constant time: their SHA-256 digests are
compared with `hmac.compare_digest`, all of them, whatever matched, so neither the time taken
nor a token's length tells an attacker how close a guess came.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from datagouv_mcp.settings import CoreSettings, read_tokens

REALM = "datagouv-mcp"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


class BearerTokens:
    def __init__(self, tokens: Iterable[str]) -> None:
        self._digests = tuple(_digest(token) for token in tokens)

    @classmethod
    def configured(cls, settings: CoreSettings) -> BearerTokens | None:
        """The tokens of the settings and of the token file (read once, now), or None."""
        tokens = list(settings.auth_tokens)
        if settings.auth_tokens_file:
            tokens += read_tokens(settings.auth_tokens_file)
        return cls(tokens) if tokens else None

    def accepts(self, authorization: str | None) -> bool:
        """Whether an `Authorization` header value carries one of the tokens."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        given = _digest(token.strip())
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(digest, given)
        return matched and scheme.lower() == "bearer"

    @staticmethod
    def challenge(authorization: str | None) -> str:
        """The `WWW-Authenticate` value of a 401 (RFC 6750)."""
        if authorization:
            return f'Bearer realm="{REALM}", error="invalid_token"'
        return f'Bearer realm="{REALM}"'
