"""The one error the API answers with: a status, a message that says why, and the parameter at fault."""

from __future__ import annotations

from typing import Any

from crosstrack.api import schemas


class ApiError(Exception):
    """Answered as `{"error": message, "parameter": parameter}` with `status` (400 unless said otherwise)."""

    def __init__(self, message: str, parameter: str | None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.status = status


# The error answers every route documents (its own further ones beside them).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorResponse, "description": "A bad parameter; `parameter` names it."},
    503: {"model": schemas.ErrorResponse, "description": "The database file is not available."},
}
