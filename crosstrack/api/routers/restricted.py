"""The restricted endpoint: one person's timeline from the warehouse, for keys of a permitted role, every call
(allowed or refused) written to the audit log (SPEC R-PUB-1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from crosstrack.api import schemas
from crosstrack.api.database import ATTACHED_AS, DatabaseUnavailable, ReadOnlyDatabase, fetch_all
from crosstrack.api.dependencies import Audit, Keys, RestrictedWarehouse, reject_unknown_parameters
from crosstrack.api.errors import ERROR_RESPONSES, ApiError
from crosstrack.api.keys import RESTRICTED_READERS, KeyStoreError, Principal

router = APIRouter()

API_KEY_HEADER = "X-API-Key"
# A person key (docs/identity.md, "Person keys"): `pk_` and 32 random hex digits, never derived from an identifier.
# Anything else in the path is refused and kept out of the audit log, so the log never holds a SID or a name.
PERSON_KEY = re.compile(r"^pk_[0-9a-f]{32}$")
TIMELINE_PATH = "/api/v1/restricted/persons/{person_key}/timeline"
# Module level: the route signature refers to it by name (annotations are resolved against module globals).
API_KEY_SCHEME = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    scheme_name="ApiKey",
    description="A key from `crosstrack apikey add --role restricted`; required by /api/v1/restricted/*.",
)


def _audited_access(request: Request, person_key: str, audit: Audit) -> Iterator[dict[str, Any]]:
    """The audit entry of this access, written when the route ends whatever its outcome: who (once the key is
    verified), what, and the status answered (500 unless the route says otherwise)."""
    entry: dict[str, Any] = {"key_id": None, "key_name": None, "role": None, "status": 500}
    well_formed = PERSON_KEY.match(person_key) is not None
    try:
        yield entry
    except ApiError as exc:
        entry["status"] = exc.status
        raise
    except (DatabaseUnavailable, KeyStoreError):
        entry["status"] = 503
        raise
    finally:
        client = request.client
        audit.record(
            key_id=entry["key_id"],
            key_name=entry["key_name"],
            role=entry["role"],
            client=f"{client.host}:{client.port}" if client else None,
            method=request.method,
            path=request.url.path if well_formed else TIMELINE_PATH,
            person_key=person_key if well_formed else None,
            status=entry["status"],
        )


AuditedAccess = Annotated[dict[str, Any], Depends(_audited_access, scope="function")]


def _restricted_reader(
    entry: AuditedAccess, keys: Keys, presented_key: Annotated[str | None, Security(API_KEY_SCHEME)] = None
) -> Principal:
    """The verified key of a role that may read restricted data (401 or 403 otherwise); it joins the audit entry."""
    principal = keys.verify(presented_key)
    if principal is None:
        raise ApiError(f"a valid {API_KEY_HEADER} header is required", API_KEY_HEADER, status=401)
    entry.update(key_id=principal.key_id, key_name=principal.name, role=principal.role)
    if principal.role not in RESTRICTED_READERS:
        raise ApiError(f"role {principal.role!r} may not read restricted data", API_KEY_HEADER, status=403)
    return principal


RestrictedReader = Annotated[Principal, Depends(_restricted_reader)]


@router.get(
    TIMELINE_PATH,
    summary="One person's chronological events across agencies (restricted)",
    description=(
        "SPEC R-PUB-1: the restricted 360-degree view, rows of restricted.person_timeline for one person_key in "
        "event_sequence order. Needs an `X-API-Key` of role `restricted`; every call, allowed or refused, is "
        "written to the audit log."
    ),
    response_model=schemas.TimelineResponse,
    responses={
        401: {"model": schemas.ErrorResponse, "description": "No key, or a key that is unknown or revoked."},
        403: {"model": schemas.ErrorResponse, "description": "The key's role may not read restricted data."},
        404: {"model": schemas.ErrorResponse, "description": "No events for this person_key."},
        **ERROR_RESPONSES,
    },
    tags=["restricted"],
)
def person_timeline(
    request: Request,
    person_key: str,
    entry: AuditedAccess,
    principal: RestrictedReader,
    restricted: RestrictedWarehouse,
) -> JSONResponse:
    reject_unknown_parameters(request, ())
    if PERSON_KEY.match(person_key) is None:
        raise ApiError("person_key is pk_ and 32 lower-case hex digits", "person_key")
    events = _timeline_events(restricted, person_key)
    if not events:
        raise ApiError("no events for this person_key", "person_key", status=404)
    entry["status"] = 200
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
