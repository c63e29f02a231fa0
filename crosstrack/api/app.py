"""The Cross-Tracking API (SPEC R-API-1, R-API-2): public aggregates from the published release, and the
restricted person-level timeline for cleared users (SPEC R-PUB-1).

Two separate read-only connections: the public one opens only the published public file (there is no
person-level table in it to reach), the restricted one opens the warehouse and is used only after an API key of a
permitted role was verified; every restricted access, allowed or refused, is written to the audit log.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import APIKeyHeader
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from crosstrack.api import schemas
from crosstrack.api.audit import AuditLog
from crosstrack.api.catalog import Catalog, load_catalog
from crosstrack.api.database import ATTACHED_AS, DatabaseUnavailable, ReadOnlyDatabase, fetch_all
from crosstrack.api.errors import ApiError
from crosstrack.api.keys import RESTRICTED_READERS, KeyStore, KeyStoreError
from crosstrack.api.query import QueryRequest, parse_query, result_csv, run_query
from crosstrack.api.settings import ApiSettings

STATIC_DIR = Path(__file__).parent / "static"
API_KEY_HEADER = "X-API-Key"
# A person key (docs/identity.md, "Person keys"): `pk_` and 32 random hex digits, never derived from an identifier.
# Anything else in the path is refused and kept out of the audit log, so the log never holds a SID or a name.
PERSON_KEY = re.compile(r"^pk_[0-9a-f]{32}$")
TIMELINE_PATH = "/api/v1/restricted/persons/{person_key}/timeline"
SUPPRESSION_NOTE = (
    "R-PUB-2: a cell with fewer than {threshold} records is suppressed: its metrics are null and is_suppressed is "
    "true. Suppressed is not zero. A cell with no records has no row. R-PUB-4: in a shown cell, a count of a subset "
    "(enrollments, releases with an outcome) and its rate are null when fewer than {threshold} have it (or, for an "
    "outcome, do not). Every published value is perturbed, the same way every time the same records are counted, so "
    "that hidden values cannot be worked out by combining responses (R-PUB-3): parts may not add up exactly to "
    "totals, rates are the published count over the published record count, and means and medians carry noise "
    "that is largest in small cells."
)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorResponse, "description": "A bad parameter; `parameter` names it."},
    503: {"model": schemas.ErrorResponse, "description": "The database file is not available."},
}
QUERY_EXAMPLE = {
    "cohort": "custodial",
    "dimensions": ["agency"],
    "filters": {"snapshot_date": "2024-01-01"},
    "metrics": ["record_count", "mean_incarceration_days"],
    "grouping_set": ["agency"],
    "columns": [
        {"name": "snapshot_date", "label": "Snapshot date", "role": "partition", "unit": None},
        {"name": "agency", "label": "Agency", "role": "dimension", "unit": None},
        {"name": "record_count", "label": "Records", "role": "metric", "unit": "records"},
        {"name": "mean_incarceration_days", "label": "Mean days", "role": "metric", "unit": "days"},
        {"name": "is_suppressed", "label": "Suppressed", "role": "suppression", "unit": None},
    ],
    "rows": [
        {
            "snapshot_date": "2024-01-01",
            "agency": "DOC",
            "record_count": 812,
            "mean_incarceration_days": 1403.2,
            "is_suppressed": False,
        },
        {
            "snapshot_date": "2024-01-01",
            "agency": "BAR",
            "record_count": None,
            "mean_incarceration_days": None,
            "is_suppressed": True,
        },
    ],
    "row_count": 2,
    "as_of": "2026-07-01",
    "suppression": {"threshold": 5, "note": SUPPRESSION_NOTE.format(threshold=5)},
    "query_url": "http://localhost:8000/api/v1/query?cohort=custodial&dims=agency&filter=snapshot_date:2024-01-01"
    "&metrics=record_count,mean_incarceration_days",
    "csv_url": "http://localhost:8000/api/v1/query?cohort=custodial&dims=agency&filter=snapshot_date:2024-01-01"
    "&metrics=record_count,mean_incarceration_days&format=csv",
}
CSV_EXAMPLE = (
    "snapshot_date,agency,record_count,mean_incarceration_days,is_suppressed\n"
    "2024-01-01,DOC,812,1403.2,false\n2024-01-01,BAR,,,true\n"
)

# Module level: the route signature refers to it by name (annotations are resolved against module globals).
API_KEY_SCHEME = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    scheme_name="ApiKey",
    description="A key from `crosstrack apikey add --role restricted`; required by /api/v1/restricted/*.",
)


def _error(status: int, message: str, parameter: str | None) -> JSONResponse:
    return JSONResponse({"error": message, "parameter": parameter}, status_code=status)


def _reject_unknown_parameters(request: Request, allowed: tuple[str, ...]) -> None:
    unknown = sorted({key for key in request.query_params if key not in allowed})
    if unknown:
        shown = ", ".join(allowed) if allowed else "none"
        raise ApiError(f"unknown query parameter {', '.join(map(repr, unknown))}; allowed: {shown}", unknown[0])


def _public_release(settings: ApiSettings) -> ReadOnlyDatabase[Catalog]:
    return ReadOnlyDatabase(settings.public_db, load_catalog, "public release")


def _restricted_warehouse(settings: ApiSettings) -> ReadOnlyDatabase[None]:
    return ReadOnlyDatabase(settings.warehouse, lambda connection: None, "restricted warehouse")


class ResponseCache:
    """Performance only: the rendered answers of /api/v1/query for the release being served, least recently used
    dropped first (at most `max_bytes` in all, none larger than `max_entry_bytes`).

    A published file never changes; a new publication is a new file, which comes with a new catalog object. An
    answer is stored with the catalog it was computed from and given only to a request holding that same catalog,
    and the first request on a new catalog empties the cache, so a reopened release never sees an old answer.
    """

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_entry_bytes: int = 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._entries: OrderedDict[tuple, tuple[bytes, str, dict[str, str]]] = OrderedDict()
        self._bytes = 0

    def get(self, catalog: Catalog, key: tuple) -> tuple[bytes, str, dict[str, str]] | None:
        with self._lock:
            if catalog is not self._catalog:
                self._catalog = catalog
                self._entries.clear()
                self._bytes = 0
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, catalog: Catalog, key: tuple, entry: tuple[bytes, str, dict[str, str]]) -> None:
        size = len(entry[0])
        if size > self.max_entry_bytes:
            return
        with self._lock:
            if catalog is not self._catalog or key in self._entries:
                return
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (dropped, _, _) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)


def _answer_key(base: str, parsed: QueryRequest) -> tuple:
    """Everything the answer depends on besides the release: request order of dims and filters shapes the columns."""
    return (base, parsed.cohort.name, parsed.dims, parsed.filters, parsed.metrics, parsed.metrics_given, parsed.format)


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The API over the files named in `settings` (default: ApiSettings.from_env())."""
    settings = settings or ApiSettings.from_env()
    public = _public_release(settings)
    restricted = _restricted_warehouse(settings)
    keys = KeyStore(settings.keys_file)
    audit = AuditLog(settings.audit_log)
    answers = ResponseCache()

    app = FastAPI(
        title="Cross-Tracking API",
        version="1.0",
        summary="Anonymized cross-agency criminal-justice aggregates (public) and the person timeline (restricted).",
        description=(
            "Public endpoints read the published public release only: aggregates by cohort, dimensions and filters, "
            "with small cells suppressed (SPEC R-API-1, R-API-2, R-PUB-2). Every answer is a published cell looked "
            "up as it is. Restricted endpoints need an `X-API-Key` of role `restricted` and are audited."
        ),
    )
    app.state.settings = settings
    app.state.public = public
    app.state.restricted = restricted
    app.state.answers = answers

    @app.exception_handler(ApiError)
    def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.parameter)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = exc.errors()[0] if exc.errors() else {}
        location = problem.get("loc", ())
        parameter = str(location[-1]) if location else None
        return _error(400, f"{parameter}: {problem.get('msg', 'invalid')}", parameter)

    @app.exception_handler(DatabaseUnavailable)
    def unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return _error(503, str(exc), None)

    @app.exception_handler(KeyStoreError)
    def key_store_unavailable(request: Request, exc: KeyStoreError) -> JSONResponse:
        return _error(503, "the key store cannot be read", None)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), None)

    # ---- public ---------------------------------------------------------------------------------------------

    @app.get(
        "/healthz",
        summary="Liveness and the public release being served",
        response_model=schemas.HealthResponse,
        responses=ERROR_RESPONSES,
        tags=["public"],
    )
    def healthz(request: Request) -> dict[str, Any]:
        _reject_unknown_parameters(request, ())
        catalog = public.derived()
        return {"status": "ok", "as_of": catalog.release.as_of, "published_at": catalog.release.published_at}

    @app.get(
        "/api/v1/cohorts",
        summary="The catalog: cohorts, their dimensions and values, metrics",
        description=(
            "Everything /api/v1/query accepts, read from the release's catalog tables: per cohort its partition "
            "columns, dimensions (label, values, and `requires_offender_status`, SPEC R-CHG-4), metrics and the "
            "most dimensions one query may combine."
        ),
        response_model=schemas.CatalogResponse,
        responses=ERROR_RESPONSES,
        tags=["public"],
    )
    def cohorts(request: Request) -> dict[str, Any]:
        _reject_unknown_parameters(request, ())
        return _catalog_json(public.derived())

    # Runs on the event loop, not in the thread pool: a lookup is one DuckDB query of about a millisecond over a
    # cached answer or a bounded slice of one table, and skipping the thread hand-off cut p95 under load from 116 to
    # about 75 ms (scripts/bench_api.py, 20 clients, 20,000 distinct queries). Slow work (the restricted endpoints'
    # scrypt key check) stays in the thread pool.
    @app.get(
        "/api/v1/query",
        summary="A table of published aggregates for one cohort, dimensions and filters",
        description=(
            "SPEC R-API-1: the rows of the cohort's cube for the grouping set made of `dims` and the non-partition "
            "filter dimensions, each filter column equal to its value; ordered by partition, then dimension values. "
            "At most `max_dimensions` dimensions (grouped or filtered; partition filters do not count). Governing "
            "offense dimensions need `filter=offender_status:Sentenced`, leading charge dimensions "
            "`filter=offender_status:Pretrial` (SPEC R-CHG-4). Suppressed cells (SPEC R-PUB-2) carry null metrics "
            "and `is_suppressed: true`. `format=csv` downloads the same table (SPEC R-API-2). Any other query "
            "parameter is refused."
        ),
        response_class=Response,
        responses={
            200: {
                "description": "The table, as JSON or (format=csv) as CSV.",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/QueryResponse"},
                        "example": QUERY_EXAMPLE,
                    },
                    "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                },
            },
            **ERROR_RESPONSES,
        },
        tags=["public"],
    )
    async def query(
        request: Request,
        cohort: Annotated[str, Query(description="A cohort from /api/v1/cohorts.", examples=["custodial"])],
        dims: Annotated[
            str | None,
            Query(description="Dimensions to group by, comma-separated (none: the total).", examples=["agency,race"]),
        ] = None,
        filter: Annotated[
            list[str] | None,
            Query(
                description="`dimension:value`, repeatable, one per dimension; split on the first ':'. Values are "
                "those listed in /api/v1/cohorts (partition values as text: 2024-01-01, 2023).",
                examples=[["offender_status:Sentenced", "snapshot_date:2024-01-01"]],
            ),
        ] = None,
        metrics: Annotated[
            str | None,
            Query(description="Metrics, comma-separated (default: all of the cohort).", examples=["record_count"]),
        ] = None,
        format: Annotated[str | None, Query(description="`json` (default) or `csv`.", examples=["json"])] = None,
    ) -> Response:
        cursor, catalog = public.cursor()
        try:
            parsed = parse_query(catalog, request.query_params.multi_items())
            base = str(request.url_for("query"))
            key = _answer_key(base, parsed)
            cached = answers.get(catalog, key)
            if cached is None:
                cached = _query_answer(cursor, catalog, parsed, base)
                answers.put(catalog, key, cached)
        finally:
            cursor.close()
        content, media_type, headers = cached
        return Response(content, media_type=media_type, headers=headers)

    def _query_answer(
        cursor: duckdb.DuckDBPyConnection, catalog: Catalog, parsed: QueryRequest, base: str
    ) -> tuple[bytes, str, dict[str, str]]:
        """The rendered answer: CSV (SPEC R-API-2) or the JSON document."""
        result = run_query(cursor, parsed)
        if parsed.format == "csv":
            return (
                result_csv(result).encode("utf-8"),
                "text/csv; charset=utf-8",
                {"Content-Disposition": f'attachment; filename="{parsed.csv_filename()}"'},
            )
        threshold = catalog.release.suppression_threshold
        body = {
            "cohort": parsed.cohort.name,
            "dimensions": list(parsed.dims),
            "filters": dict(parsed.filters),
            "metrics": list(parsed.metrics),
            "grouping_set": list(parsed.grouping_set),
            "columns": [column.as_json() for column in result.columns],
            "rows": result.rows,
            "row_count": len(result.rows),
            "as_of": catalog.release.as_of,
            "suppression": {"threshold": threshold, "note": SUPPRESSION_NOTE.format(threshold=threshold or 5)},
            "query_url": f"{base}?{parsed.canonical_query('json')}",
            "csv_url": f"{base}?{parsed.canonical_query('csv')}",
        }
        return JSONResponse(body).body, "application/json", {}

    # ---- restricted -----------------------------------------------------------------------------------------

    @app.get(
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
        presented_key: Annotated[str | None, Security(API_KEY_SCHEME)] = None,
    ) -> JSONResponse:
        entry: dict[str, Any] = {"key_id": None, "key_name": None, "role": None, "status": 500}
        well_formed = PERSON_KEY.match(person_key) is not None
        try:
            principal = keys.verify(presented_key)
            if principal is None:
                raise ApiError(f"a valid {API_KEY_HEADER} header is required", API_KEY_HEADER, status=401)
            entry.update(key_id=principal.key_id, key_name=principal.name, role=principal.role)
            if principal.role not in RESTRICTED_READERS:
                raise ApiError(f"role {principal.role!r} may not read restricted data", API_KEY_HEADER, status=403)
            _reject_unknown_parameters(request, ())
            if not well_formed:
                raise ApiError("person_key is pk_ and 32 lower-case hex digits", "person_key")
            events = _timeline_events(restricted, person_key)
            if not events:
                raise ApiError("no events for this person_key", "person_key", status=404)
            entry["status"] = 200
            return JSONResponse({"person_key": person_key, "event_count": len(events), "events": events})
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

    # ---- the page -------------------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = STATIC_DIR / "index.html"
        if not page.is_file():
            return _error(404, "no page is installed (crosstrack/api/static/index.html)", None)
        return FileResponse(page)

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _timeline_events(restricted: ReadOnlyDatabase[None], person_key: str) -> list[dict[str, Any]]:
    cursor, _ = restricted.cursor()
    try:
        return _person_events(cursor, person_key)
    finally:
        cursor.close()


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


def _catalog_json(catalog: Catalog) -> dict[str, Any]:
    release = catalog.release
    return {
        "as_of": release.as_of,
        "published_at": release.published_at,
        "suppression_threshold": release.suppression_threshold,
        "max_dimensions": release.max_dimensions,
        "cohorts": [
            {
                "cohort": cohort.name,
                "label": cohort.label,
                "description": cohort.description,
                "table": cohort.table_name,
                "partition_columns": list(cohort.partition_columns),
                "max_dimensions": cohort.max_dimensions,
                "dimensions": [
                    {
                        "dimension": dimension.name,
                        "label": dimension.label,
                        "description": dimension.description,
                        "is_partition": dimension.is_partition,
                        "requires_offender_status": dimension.requires_offender_status,
                        "values": list(dimension.values),
                    }
                    for dimension in cohort.dimensions.values()
                ],
                "metrics": [
                    {
                        "metric": metric.name,
                        "label": metric.label,
                        "description": metric.description,
                        "unit": metric.unit,
                    }
                    for metric in cohort.metrics.values()
                ],
            }
            for cohort in catalog.cohorts.values()
        ],
    }


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document without its 422 responses: a bad parameter is a 400 here, with the parameter named."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    components = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    # The query's JSON body is returned as it is built; its shape is documented here for readers and tests.
    components["QueryResponse"] = schemas.QueryResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in components["QueryResponse"].pop("$defs", {}).items():
        components.setdefault(name, definition)
    app.openapi_schema = document
    return document
