"""The restricted endpoint: one person's timeline from the warehouse, for keys of a permitted role. Every request
under the restricted prefix, allowed or refused, is written to the audit log by the audit middleware
(crosstrack/api/audit.py); the key check adds who asked to its line."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

from crosstrack.api import schemas
from crosstrack.api.audit import PERSON_KEY, SEARCH_PATH, STATE_KEY, TIMELINE_PATH
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

# The documented answers of every restricted route: the key checks of _restricted_reader and the common errors.
RESTRICTED_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.ErrorResponse, "description": "No key, or a key that is unknown or revoked."},
    403: {"model": schemas.ErrorResponse, "description": "The key's role may not read restricted data."},
    429: {
        "model": schemas.ErrorResponse,
        "description": "Too many failed key checks from this address or for this key id, or too many lookups "
        "with this key; `Retry-After` says when to try again.",
    },
    **ERROR_RESPONSES,
}


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
        **RESTRICTED_RESPONSES,
        404: {"model": schemas.ErrorResponse, "description": "No events for this person_key."},
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


# ---- restricted person search ---------------------------------------------------------------------------------

SEARCH_PARAMETERS = ("sid", "last_name", "first_name", "birth_date", "limit")
SID_PATTERN = re.compile(r"^[0-9A-Z]{4,12}$")
MIN_SCORE = 0.8  # candidates scoring below are not shown
MAX_CANDIDATES = 20


@router.get(
    SEARCH_PATH,
    summary="Candidate person keys for a SID, or a name and birth date (restricted)",
    description=(
        "The restricted person search (docs/api.md): by `sid` (exact, or two adjacent digits transposed), or by "
        "`last_name`, `first_name` and `birth_date` with fuzzy matching (Jaro-Winkler on the names, a birth date "
        "exact or one typo off). Answers candidate person keys with a score in [0, 1], best first. Needs an "
        "`X-API-Key` of role `restricted`; every call is written to the audit log (its path, never the query), "
        "and a key's lookups are rate-limited like the timeline's."
    ),
    response_model=schemas.PersonSearchResponse,
    responses=RESTRICTED_RESPONSES,
    tags=["restricted"],
)
def person_search(
    request: Request,
    principal: RestrictedReader,
    restricted: RestrictedWarehouse,
    sid: str | None = None,
    last_name: str | None = None,
    first_name: str | None = None,
    birth_date: str | None = None,
    limit: int = 10,
) -> JSONResponse:
    reject_unknown_parameters(request, SEARCH_PARAMETERS)
    if not 1 <= limit <= MAX_CANDIDATES:
        raise ApiError(f"limit is between 1 and {MAX_CANDIDATES}", "limit")
    if sid is not None:
        if last_name or first_name or birth_date:
            raise ApiError("search by sid, or by last_name, first_name and birth_date, not both", "sid")
        sid = sid.strip().upper()
        if SID_PATTERN.match(sid) is None:
            raise ApiError("sid is 4 to 12 letters or digits", "sid")
        sql, parameters = _sid_search(sid)
    else:
        for name, value in (("last_name", last_name), ("first_name", first_name), ("birth_date", birth_date)):
            if not value:
                raise ApiError(f"{name} is required when searching without sid", name)
        try:
            born = dt.date.fromisoformat(str(birth_date))
        except ValueError:
            raise ApiError("birth_date is YYYY-MM-DD", "birth_date") from None
        last, first = _name_key(str(last_name)), _name_key(str(first_name))
        if not last or not first:
            raise ApiError("a name needs at least one letter", "last_name" if not last else "first_name")
        sql, parameters = _name_search(last, first, born)
    with restricted.reading() as (cursor, _):
        _require_search_index(cursor)
        rows = fetch_all(cursor, sql + " order by score desc, person_key limit ?", [*parameters, limit])
    candidates = [{"person_key": key, "score": round(float(score), 4)} for key, score in rows]
    return JSONResponse({"candidate_count": len(candidates), "candidates": candidates})


def _name_key(text: str) -> str:
    """As the identity models normalize a name: upper case, letters only."""
    return re.sub(r"[^A-Z]", "", text.upper())


def _require_search_index(cursor: duckdb.DuckDBPyConnection) -> None:
    exists = fetch_all(
        cursor,
        "select count(*) from information_schema.tables "
        "where table_catalog = ? and table_schema = 'restricted' and table_name = 'person_search_index'",
        [ATTACHED_AS],
    )
    if not exists[0][0]:
        raise DatabaseUnavailable("the restricted warehouse has no restricted.person_search_index")


def _sid_search(sid: str) -> tuple[str, list[Any]]:
    """An exact SID scores 1; one with two adjacent digits transposed 0.8 (a typo, or someone else)."""
    table = f"{ATTACHED_AS}.restricted.person_search_index"
    return (
        f"""select person_key, max(case when sid = ? then 1.0 else 0.8 end) as score
        from {table}
        where sid = ? or (length(sid) = length(?) and damerau_levenshtein(sid, ?) = 1
            and list_sort(string_split(sid, '')) = list_sort(string_split(?, '')))
        group by person_key""",
        [sid, sid, sid, sid, sid],
    )


def _name_search(last: str, first: str, born: dt.date) -> tuple[str, list[Any]]:
    """Names by Jaro-Winkler (their mean), times 1 for the same birth date and 0.9 for one typo off; the best of
    each person's identifiers, at least MIN_SCORE."""
    table = f"{ATTACHED_AS}.restricted.person_search_index"
    text = born.strftime("%Y%m%d")
    return (
        f"""select person_key, max(score) as score from (
            select person_key,
                (jaro_winkler_similarity(last_name_key, ?) + jaro_winkler_similarity(first_name_key, ?)) / 2
                * case when birth_date = ? then 1.0 else 0.9 end as score
            from {table}
            where birth_date = ? or damerau_levenshtein(strftime(birth_date, '%Y%m%d'), ?) = 1
        ) as scored
        where score >= {MIN_SCORE}
        group by person_key""",
        [last, first, born, born, text],
    )
