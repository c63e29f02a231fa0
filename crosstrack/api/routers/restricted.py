"""The restricted endpoint: one person's timeline from the warehouse, for keys of a permitted role. Every request
under the restricted prefix, allowed or refused, is written to the audit log by the audit middleware
(crosstrack/api/audit.py); the key check adds who asked to its line."""

from __future__ import annotations

from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from crosstrack.api import schemas
from crosstrack.api.audit import PERSON_KEY, STATE_KEY, TIMELINE_PATH
from crosstrack.api.database import ATTACHED_AS, DatabaseUnavailable, ReadOnlyDatabase, fetch_all
from crosstrack.api.dependencies import Keys, Limits, RestrictedWarehouse, reject_unknown_parameters
from crosstrack.api.errors import ERROR_RESPONSES, ApiError
from crosstrack.api.keys import RESTRICTED_READERS, Principal, key_id_of

RULES = ("R-PUB-1",)  # the rules of docs/rules.md this module implements

router = APIRouter()

API_KEY_HEADER = "X-API-Key"
# Module level: the route signature refers to it by name (annotations are resolved against module globals).
API_KEY_SCHEME = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    scheme_name="ApiKey",
    description="A key from `crosstrack apikey add --role restricted`; required by /api/v1/restricted/*.",
)


def _audit_entry(request: Request) -> dict[str, Any]:
    """This request's audit line, opened by the audit middleware (crosstrack/api/audit.py) that writes it."""
    return getattr(request.state, STATE_KEY)


AuditEntry = Annotated[dict[str, Any], Depends(_audit_entry)]


def _restricted_reader(
    request: Request,
    entry: AuditEntry,
    keys: Keys,
    limits: Limits,
    presented_key: Annotated[str | None, Security(API_KEY_SCHEME)] = None,
) -> Principal:
    """The verified key of a role that may read restricted data (401 or 403 otherwise); it joins the audit entry.
    A client address or key id that failed too many checks is refused (429) before the scrypt check is paid for,
    and a reader's lookups are limited per key."""
    client = request.client.host if request.client else None
    claimed_id = key_id_of(presented_key)
    if presented_key:
        limits.before_key_check(client, claimed_id)
    principal = keys.verify(presented_key)
    if principal is None:
        if presented_key:
            limits.key_check_failed(client, claimed_id)
        raise ApiError(f"a valid {API_KEY_HEADER} header is required", API_KEY_HEADER, status=401)
    entry.update(key_id=principal.key_id, key_name=principal.name, role=principal.role)
    if principal.role not in RESTRICTED_READERS:
        raise ApiError(f"role {principal.role!r} may not read restricted data", API_KEY_HEADER, status=403)
    limits.restricted_lookup(principal.key_id)
    return principal


RestrictedReader = Annotated[Principal, Depends(_restricted_reader)]


@router.get(
    TIMELINE_PATH,
    summary="One person's chronological events across agencies (restricted)",
    description=(
        "R-PUB-1: the restricted 360-degree view, rows of restricted.person_timeline for one person_key in "
        "event_sequence order. Needs an `X-API-Key` of role `restricted`; every call, allowed or refused, is "
        "written to the audit log."
    ),
    response_model=schemas.TimelineResponse,
    responses={
        401: {"model": schemas.ErrorResponse, "description": "No key, or a key that is unknown or revoked."},
        429: {
            "model": schemas.ErrorResponse,
            "description": "Too many failed key checks from this address or for this key id, or too many lookups "
            "with this key; `Retry-After` says when to try again.",
        },
        403: {"model": schemas.ErrorResponse, "description": "The key's role may not read restricted data."},
        404: {"model": schemas.ErrorResponse, "description": "No events for this person_key."},
        **ERROR_RESPONSES,
    },
    tags=["restricted"],
)
def person_timeline(
    request: Request,
    person_key: str,
    principal: RestrictedReader,
    restricted: RestrictedWarehouse,
) -> JSONResponse:
    reject_unknown_parameters(request, ())
    if PERSON_KEY.match(person_key) is None:
        raise ApiError("person_key is pk_ and 32 lower-case hex digits", "person_key")
    events = _timeline_events(restricted, person_key)
    if not events:
        raise ApiError("no events for this person_key", "person_key", status=404)
    return JSONResponse({"person_key": person_key, "event_count": len(events), "events": events})


def _timeline_events(restricted: ReadOnlyDatabase[None], person_key: str) -> list[dict[str, Any]]:
    with restricted.reading() as (cursor, _):
        return _person_events(cursor, person_key)


def _person_events(cursor: duckdb.DuckDBPyConnection, person_key: str) -> list[dict[str, Any]]:
    exists = fetch_all(
        cursor,
        "select count(*) from information_schema.tables "
        "where table_catalog = ? and table_schema = 'restricted' and table_name = 'person_timeline'",
        [ATTACHED_AS],
    )
    if not exists[0][0]:
        raise DatabaseUnavailable("the restricted warehouse has no restricted.person_timeline")
    result = cursor.execute(
        f"select * from {ATTACHED_AS}.restricted.person_timeline where person_key = ? order by event_sequence",
        [person_key],
    )
    names = [column[0] for column in result.description]
    return [
        {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in zip(names, row, strict=True)
        }
        for row in result.fetchall()
    ]
