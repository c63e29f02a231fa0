"""The public endpoints: aggregates from the published release only (R-API-1, R-API-2, R-PUB-2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import duckdb
import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from crosstrack.api import schemas
from crosstrack.api.catalog import Catalog, read_a_row_of_each_cube
from crosstrack.api.compression import GZIP_HEADERS, GZIP_MINIMUM_BYTES, accepts_gzip, gzipped
from crosstrack.api.database import ReadOnlyDatabase
from crosstrack.api.dependencies import Answers, AppSettings, PublicRelease, reject_unknown_parameters
from crosstrack.api.errors import ERROR_RESPONSES
from crosstrack.api.query import PAGE_ROWS, QueryRequest, csv_chunks, page_of, parse_query, run_query
from crosstrack.api.routers.releases import RELEASE_PARAMETER, NamedRelease, named_release_id, release_database
from crosstrack.settings import Settings

RULES = ("R-API-1", "R-API-2", "R-PUB-2")  # the rules of docs/rules.md this module implements

router = APIRouter()

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
# A CSV page longer than this is streamed as it is written, and not cached.
STREAMED_CSV_ROWS = 2000

SUPPRESSION_NOTE = (
    "R-PUB-2: a cell with fewer than {threshold} records is suppressed: its metrics are null and is_suppressed is "
    "true. Suppressed is not zero. A cell with no records has no row. R-PUB-4: in a shown cell, a count of a subset "
    "(enrollments, releases with an outcome) and its rate are null when fewer than {threshold} have it (or, for an "
    "outcome, do not). Every published value is perturbed, the same way every time the same records are counted, so "
    "that hidden values cannot be worked out by combining responses (R-PUB-3): parts may not add up exactly to "
    "totals, rates are the published count over the published record count, and means and medians carry noise "
    "that is largest in small cells."
)

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
    "total_row_count": 2,
    "page": 1,
    "next_url": None,
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


def public_url(settings: Settings, path: str) -> str:
    """`path` under the configured public base URL (never the request's Host header, which the client chooses)."""
    return settings.api_public_url.rstrip("/") + path


def _answer_key(base: str, parsed: QueryRequest, gzip: bool) -> tuple:
    """Everything the answer depends on besides the release: request order of dims and filters shapes the columns."""
    return (
        gzip,  # kept compressed for a client that takes gzip
        base,
        parsed.cohort.name,
        parsed.dims,
        parsed.filters,
        parsed.metrics,
        parsed.metrics_given,
        parsed.format,
        parsed.page,
        parsed.release,  # the links in the answer name it
    )


@router.get(
    "/healthz",
    summary="Health: the public release can be read, and which one it is",
    description=(
        "Reads the catalog and one row of every cube of the public release (the current one, or the one "
        "`release` names); 503 with the problem named when the file is missing, damaged or cannot be read."
    ),
    response_model=schemas.HealthResponse,
    responses={404: {"model": schemas.ErrorResponse, "description": "No such release (`release`)."}, **ERROR_RESPONSES},
    tags=["public"],
)
def healthz(request: Request, public: NamedRelease) -> dict[str, Any]:
    reject_unknown_parameters(request, (RELEASE_PARAMETER,))
    with public.reading() as (cursor, catalog):
        cubes = read_a_row_of_each_cube(cursor, catalog)
    return {
        "status": "ok",
        "as_of": catalog.release.as_of,
        "published_at": catalog.release.published_at,
        "cubes": cubes,
        "release": named_release_id(request, request.query_params.get(RELEASE_PARAMETER)),
    }


@router.get(
    "/api/v1/cohorts",
    summary="The catalog: cohorts, their dimensions and values, metrics",
    description=(
        "Everything /api/v1/query accepts, read from the release's catalog tables: per cohort its partition "
        "columns, dimensions (label, values, and `requires_offender_status`, R-CHG-4), metrics and the "
        "most dimensions one query may combine; of the current release, or of the one `release` names."
    ),
    response_model=schemas.CatalogResponse,
    responses={404: {"model": schemas.ErrorResponse, "description": "No such release (`release`)."}, **ERROR_RESPONSES},
    tags=["public"],
)
def cohorts(request: Request, public: NamedRelease) -> dict[str, Any]:
    reject_unknown_parameters(request, (RELEASE_PARAMETER,))
    release_id = named_release_id(request, request.query_params.get(RELEASE_PARAMETER))
    return {**_catalog_json(public.derived()), "release": release_id}


# An async route: parsing and a cached answer are served on the event loop (skipping the thread hand-off cut p95
# under load from 116 to about 75 ms, scripts/bench_api.py, 20 clients); an answer not in the cache is looked up
# and rendered in the thread pool, so that a large one does not hold up everyone else's.
@router.get(
    "/api/v1/query",
    summary="A table of published aggregates for one cohort, dimensions and filters",
    description=(
        "R-API-1: the rows of the cohort's cube for the grouping set made of `dims` and the non-partition "
        "filter dimensions, each filter column equal to its value; ordered by partition, then dimension values. "
        "At most `max_dimensions` dimensions (grouped or filtered; partition filters do not count). Governing "
        "offense dimensions need `filter=offender_status:Sentenced`, leading charge dimensions "
        "`filter=offender_status:Pretrial` (R-CHG-4). Suppressed cells (R-PUB-2) carry null metrics "
        "and `is_suppressed: true`. `format=csv` downloads the same table (R-API-2). Any other query "
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
        404: {"model": schemas.ErrorResponse, "description": "No such release (`release`)."},
        **ERROR_RESPONSES,
    },
    tags=["public"],
)
async def query(
    request: Request,
    settings: AppSettings,
    public: PublicRelease,
    answers: Answers,
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
    page: Annotated[
        int | None,
        Query(
            description=f"The page of a long table (default 1): at most {PAGE_ROWS:,} rows per answer; "
            '`next_url` in JSON (a `Link: <...>; rel="next"` header in CSV) asks for the next one.',
            examples=[1],
        ),
    ] = None,
    release: Annotated[
        str | None,
        Query(description="A release id from /api/releases (default: the current release)."),
    ] = None,
) -> Response:
    if release is not None:
        public = release_database(request, release)
    catalog = public.derived_if_open()
    if catalog is None:  # the first request, or a new publication: the file is opened and read off the loop
        catalog = await run_in_threadpool(public.derived)
    parsed = parse_query(catalog, request.query_params.multi_items())
    base = public_url(settings, request.app.url_path_for("query"))
    gzip = accepts_gzip(request.headers)
    key = _answer_key(base, parsed, gzip)
    cached = answers.get(catalog, key)
    if cached is not None:
        content, media_type, headers = cached
        return Response(content, media_type=media_type, headers=headers)
    # The lookup and its rendering run in the thread pool: a large answer does not hold up the event loop.
    catalog, answer = await run_in_threadpool(_look_up, public, catalog, request, parsed, base, gzip)
    if answer.chunks is not None:
        return StreamingResponse(answer.chunks, media_type=answer.media_type, headers=answer.headers)
    assert answer.body is not None
    answers.put(catalog, key, (answer.body, answer.media_type, answer.headers))
    return Response(answer.body, media_type=answer.media_type, headers=answer.headers)


@dataclass(frozen=True)
class _Answer:
    """A rendered answer: whole (`body`, cached) or, for a long CSV page, streamed in pieces (`chunks`)."""

    media_type: str
    headers: dict[str, str]
    body: bytes | None = None
    chunks: Iterator[bytes] | None = None


def _look_up(
    public: ReadOnlyDatabase[Catalog],
    catalog: Catalog,
    request: Request,
    parsed: QueryRequest,
    base: str,
    gzip: bool,
) -> tuple[Catalog, _Answer]:
    """The answer from a cursor on the current file, with the catalog it was read with (the request is parsed
    again when a publication came between the parsing and the lookup). For a client that takes gzip, a whole
    answer of GZIP_MINIMUM_BYTES or more is compressed here, once: it is cached compressed, so a repeated large
    answer costs neither a lookup nor a compression (and fits the cache where the plain one would not)."""
    if parsed.cohort.cells is not None:
        # The release's cells are held in memory since it was opened (crosstrack/api/cells.py): the lookup reads
        # nothing from the file, so it takes no cursor (and no second look at the file). A publication since the
        # parsing is noticed by the next request, as one coming just before it would be.
        with public.failing_safe():
            current, answer = catalog, _query_answer(None, catalog, parsed, base)
    else:
        with public.reading() as (cursor, current):
            if current is not catalog:
                parsed = parse_query(current, request.query_params.multi_items())
            answer = _query_answer(cursor, current, parsed, base)
    if gzip and answer.body is not None and len(answer.body) >= GZIP_MINIMUM_BYTES:
        answer = _Answer(answer.media_type, {**answer.headers, **GZIP_HEADERS}, body=gzipped(answer.body))
    return current, answer


def _query_answer(
    cursor: duckdb.DuckDBPyConnection | None, catalog: Catalog, parsed: QueryRequest, base: str
) -> _Answer:
    """The rendered page of the answer: CSV (R-API-2) or the JSON document."""
    result = run_query(cursor, parsed)
    page = page_of(result)
    next_url = f"{base}?{parsed.canonical_query(page=parsed.page + 1)}" if page.has_next else None
    if parsed.format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{parsed.csv_filename()}"'}
        if next_url:
            headers["Link"] = f'<{next_url}>; rel="next"'
        chunks = csv_chunks(result.columns, page.rows)
        if len(page.rows) > STREAMED_CSV_ROWS:
            return _Answer(CSV_MEDIA_TYPE, headers, chunks=chunks)
        return _Answer(CSV_MEDIA_TYPE, headers, body=b"".join(chunks))
    threshold = catalog.release.suppression_threshold
    body = {
        "cohort": parsed.cohort.name,
        "dimensions": list(parsed.dims),
        "filters": dict(parsed.filters),
        "metrics": list(parsed.metrics),
        "grouping_set": list(parsed.grouping_set),
        "columns": [column.as_json() for column in result.columns],
        "rows": page.rows,
        "row_count": len(page.rows),
        "total_row_count": page.total_rows,
        "page": parsed.page,
        "next_url": next_url,
        "as_of": catalog.release.as_of,
        "suppression": {"threshold": threshold, "note": SUPPRESSION_NOTE.format(threshold=threshold or 5)},
        "query_url": f"{base}?{parsed.canonical_query('json')}",
        "csv_url": f"{base}?{parsed.canonical_query('csv')}",
    }
    # orjson: the same compact UTF-8 JSON as JSONResponse renders, several times faster on a large answer.
    return _Answer("application/json", {}, body=orjson.dumps(body))


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
