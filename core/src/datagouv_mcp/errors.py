"""Errors: those meant for the model (tool errors) and those meant for the operator (start-up)."""

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


class UnavailableError(ToolError):
    """A dependency is down or slow; the same call may work later."""

    code = "unavailable"
    retryable = True


class StartupError(Exception):
    """The server cannot start as configured; the message tells the operator what to change."""
