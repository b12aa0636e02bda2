"""Typed upstream failures. Each is a ToolError with a default text, code and hint, so a plugin
that does not catch it still gives the model something sensible; plugins catch the ones they
can explain better (a miss on a dataset id, say)."""

from __future__ import annotations

from datagouv_mcp.errors import InvalidArgumentError, NotFoundError, ToolError, UnavailableError


class UpstreamError(ToolError):
    """Base of every upstream failure. `status` is the HTTP status when the upstream answered,
    `detail` its own explanation (from its error body), for plugins that explain it better."""

    code = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        code: str | None = None,
        retryable: bool | None = None,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, hint=hint, code=code, retryable=retryable)
        self.status = status
        self.detail = detail


class UpstreamNotFound(UpstreamError, NotFoundError):
    code = "not_found"


class UpstreamBadRequest(UpstreamError, InvalidArgumentError):
    """The upstream refused the request (4xx other than 404/410/429); `message` is its own."""

    code = "bad_request"


class UpstreamRateLimited(UpstreamError, UnavailableError):
    code = "rate_limited"


class UpstreamUnavailable(UpstreamError, UnavailableError):
    code = "upstream_unavailable"


class UpstreamTimeout(UpstreamError, UnavailableError):
    code = "timeout"


class ResponseTooLarge(UpstreamError):
    code = "response_too_large"


class BlockedURL(UpstreamError):
    """A URL the guarded fetch refuses: bad scheme, or an address that is not public."""

    code = "blocked_url"


def transport_failure(error: Exception) -> str:
    """What went wrong on the wire, in words (never the exception's class: that stays in the
    logs)."""
    import httpx

    if isinstance(error, httpx.ConnectError):
        return "the connection could not be made"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server broke the HTTP exchange"
    if isinstance(error, httpx.ReadError | httpx.WriteError):
        return "the connection broke"
    if isinstance(error, httpx.ProxyError):
        return "the proxy refused"
    return "the exchange failed"
