"""Errors: those meant for the model (tool errors), for the core (an upstream answer a parser
cannot read) and for the operator (start-up). Plain values: this module imports nothing."""

from __future__ import annotations

from typing import Any


class ToolError(Exception):
    """A failure the model should read: what went wrong and what to do next.

    The gateway turns it into `isError: true` with the text `Error: <message>` (and the hint
    on its own line), and a structured error `{code, message, hint, retryable}`.
    """

    code = "bad_request"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        code: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable

    def text(self) -> str:
        """The text block the model sees."""
        body = self.message if self.message.startswith("Error:") else f"Error: {self.message}"
        return f"{body}\n{self.hint}" if self.hint else body

    def structured(self) -> dict[str, Any]:
        """The structured error sent as `structuredContent`."""
        return {
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
            "retryable": self.retryable,
        }


class InvalidArgumentError(ToolError):
    """An argument is malformed or out of range."""

    code = "invalid_argument"


class NotFoundError(ToolError):
    """The object asked for does not exist."""

    code = "not_found"


def resource_not_found(resource_id: str, upstream_message: str, hint: str) -> NotFoundError:
    """A resource id the portal does not know, or whose dataset was deleted (udata's 404
    message says which), in the words every resource tool uses."""
    gone = "deleted" in upstream_message.lower()
    return NotFoundError(
        f"Resource with ID '{resource_id}' "
        + ("belongs to a deleted dataset." if gone else "not found."),
        hint=hint,
    )


class UnavailableError(ToolError):
    """A dependency is down or slow; the same call may work later."""

    code = "unavailable"
    retryable = True


class ParseError(ValueError):
    """An upstream answer a plugin's parser cannot read.

    A plugin's parsers raise a subclass of it, and nothing else, for any payload they cannot
    read. A handler lets it through: the core answers the model with the error
    `bad_upstream_answer` (not retryable), saying which upstream sent it (`source`).
    """

    source = "data.gouv.fr"

    def as_tool_error(self) -> UnavailableError:
        return UnavailableError(
            f"{self.source} sent an answer this server could not read ({self}).",
            hint="Retry later; if it persists, report it to the server's operator.",
            code="bad_upstream_answer",
            retryable=False,
        )


class StartupError(Exception):
    """The server cannot start as configured; the message tells the operator what to change."""
