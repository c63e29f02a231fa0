"""The one error the API answers with: a status, a message that says why, and the parameter at fault."""

from __future__ import annotations

from typing import Any

from crosstrack.api import schemas

# An error answer never grows with the request: at most this many characters of message and of parameter name
# (a request can carry 60 KB of parameter names; the answer names a few of them, each shortened).
MAX_MESSAGE_CHARS = 600
MAX_NAME_CHARS = 40
MAX_NAMES_SHOWN = 5


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def error_body(message: str, parameter: str | None) -> dict[str, str | None]:
    """The JSON body of an error answer, its message and parameter shortened to their caps."""
    return {
        "error": shorten(message, MAX_MESSAGE_CHARS),
        "parameter": None if parameter is None else shorten(parameter, MAX_NAME_CHARS),
    }


def unknown_parameters(unknown: list[str], allowed: tuple[str, ...]) -> ApiError:
    """The refusal of unknown query parameters: the first few named (shortened), how many there are, what is allowed."""
    shown = ", ".join(repr(shorten(name, MAX_NAME_CHARS)) for name in unknown[:MAX_NAMES_SHOWN])
    more = f" and {len(unknown) - MAX_NAMES_SHOWN} more" if len(unknown) > MAX_NAMES_SHOWN else ""
    return ApiError(
        f"unknown query parameter {shown}{more}; allowed: {', '.join(allowed) if allowed else 'none'}", unknown[0]
    )


class ApiError(Exception):
    """Answered as `{"error": message, "parameter": parameter}` with `status` (400 unless said otherwise)."""

    def __init__(
        self, message: str, parameter: str | None, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.status = status
        self.headers = headers or {}


# The error answers every route documents (its own further ones beside them).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorResponse, "description": "A bad parameter; `parameter` names it."},
    503: {"model": schemas.ErrorResponse, "description": "The database file is not available."},
}
