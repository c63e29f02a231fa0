"""The public query: validate a request against the catalog, then look up the published cells.

R-API-1: a user picks a cohort, dimensions and filters and gets a table, from a URL that can be saved and
run again. The answer is exactly the cube rows of one grouping set (sorted(dims | non-partition filter dims)),
with each filter column equal to its value; nothing is summed, differenced or recomputed, so every number is one
the publication step already suppressed (R-PUB-2, R-PUB-3). User input reaches SQL only as bound
parameters; identifiers come from the catalog whitelist.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np

from crosstrack.api.catalog import Catalog, Cohort, qualified_table
from crosstrack.api.cells import GROUPING_COLUMN, SUPPRESSION_COLUMN, CubeCells, read_cells
from crosstrack.api.errors import ApiError, unknown_parameters

QUERY_PARAMETERS = ("cohort", "dims", "filter", "metrics", "format", "page", "release")
# The most rows one answer carries (JSON or CSV); a longer table comes in pages, each naming the next.
PAGE_ROWS = 10_000
FORMATS = ("json", "csv")
OFFENDER_STATUS = "offender_status"
MAX_PARAMETER_LENGTH = 2000


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    role: str  # partition | dimension | metric | suppression
    unit: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "role": self.role, "unit": self.unit}


@dataclass(frozen=True)
class QueryRequest:
    cohort: Cohort
    dims: tuple[str, ...]  # as requested, in order
    filters: tuple[tuple[str, str], ...]  # (dimension, value) as requested, in order
    metrics: tuple[str, ...]
    metrics_given: bool
    format: str
    page: int = 1  # 1-based, PAGE_ROWS rows each
    release: str | None = None  # a release id (/api/releases); none: the current release

    @property
    def grouping_set(self) -> tuple[str, ...]:
        """The cube's `dimensions` key: requested and filtered non-partition dimensions, sorted."""
        filtered = {name for name, _ in self.filters if not self.cohort.dimensions[name].is_partition}
        return tuple(sorted(set(self.dims) | filtered))

    @property
    def grouped_columns(self) -> tuple[str, ...]:
        """Requested dimensions in request order, then the filtered ones not already requested."""
        extra = [name for name, _ in self.filters if name in self.grouping_set and name not in self.dims]
        return (*self.dims, *extra)

    @property
    def columns(self) -> list[Column]:
        cohort = self.cohort
        dimensions = cohort.dimensions
        return [
            *(Column(name, dimensions[name].label, "partition") for name in cohort.partition_columns),
            *(Column(name, dimensions[name].label, "dimension") for name in self.grouped_columns),
            *(Column(name, cohort.metrics[name].label, "metric", cohort.metrics[name].unit) for name in self.metrics),
            Column(SUPPRESSION_COLUMN, "Suppressed", "suppression"),
        ]

    def canonical_query(self, format_: str | None = None, page: int | None = None) -> str:
        """The query string that asks this again (another format or page if given): filters sorted by dimension,
        defaults left out."""
        pairs: list[tuple[str, str]] = [("cohort", self.cohort.name)]
        if self.dims:
            pairs.append(("dims", ",".join(self.dims)))
        pairs.extend(("filter", f"{name}:{value}") for name, value in sorted(self.filters))
        if self.metrics_given:
            pairs.append(("metrics", ",".join(self.metrics)))
        chosen = format_ or self.format
        if chosen != "json":
            pairs.append(("format", chosen))
        chosen_page = page or self.page
        if chosen_page != 1:
            pairs.append(("page", str(chosen_page)))
        if self.release is not None:
            pairs.append(("release", self.release))
        return urllib.parse.urlencode(pairs, safe=",:")

    def csv_filename(self) -> str:
        parts = [self.cohort.name, "-".join(self.dims) or "total"]
        parts.extend(f"{name}-{value}" for name, value in sorted(self.filters))
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", "crosstrack_" + "_".join(parts)) + ".csv"


@dataclass(frozen=True)
class QueryResult:
    request: QueryRequest
    columns: list[Column]
    rows: list[dict[str, Any]]


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in params if key == name]
    if len(values) > 1:
        raise ApiError(f"'{name}' is given {len(values)} times; give it once", name)
    return values[0] if values else None


def _names(text: str, parameter: str) -> list[str]:
    names = [part.strip() for part in text.split(",")]
    if any(not name for name in names):
        raise ApiError(f"'{parameter}' is a comma-separated list of names without empty entries", parameter)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ApiError(f"'{parameter}' names {', '.join(duplicates)} more than once", parameter)
    return names


def _known(names: list[str], offered: list[str], what: str, cohort: str) -> str:
    shown = ", ".join(offered) if offered else "none"
    return f"unknown {what} {', '.join(repr(name) for name in names)} for cohort '{cohort}'; offered: {shown}"


def parse_query(catalog: Catalog, params: list[tuple[str, str]]) -> QueryRequest:
    """Validate the raw query parameters (every repetition kept) against the catalog. Raises ApiError."""
    unknown = sorted({key for key, _ in params if key not in QUERY_PARAMETERS})
    if unknown:
        raise unknown_parameters(unknown, QUERY_PARAMETERS)
    for key, value in params:
        if len(value) > MAX_PARAMETER_LENGTH:
            raise ApiError(f"'{key}' is longer than {MAX_PARAMETER_LENGTH} characters", key)

    cohort_name = _single(params, "cohort")
    if not cohort_name:
        raise ApiError("'cohort' is required; see /api/v1/cohorts for the cohorts offered", "cohort")
    cohort = catalog.cohorts.get(cohort_name)
    if cohort is None:
        raise ApiError(f"unknown cohort {cohort_name!r}; offered: {', '.join(catalog.cohorts) or 'none'}", "cohort")

    format_ = (_single(params, "format") or "json").lower()
    if format_ not in FORMATS:
        raise ApiError(f"unknown format {format_!r}; offered: {', '.join(FORMATS)}", "format")

    dims = _parse_dims(cohort, _single(params, "dims"))
    filters = _parse_filters(cohort, [value for key, value in params if key == "filter"])
    metrics_text = _single(params, "metrics")
    metrics = _parse_metrics(cohort, metrics_text)
    page = _parse_page(_single(params, "page"))
    release = _single(params, "release")
    request = QueryRequest(
        cohort, tuple(dims), tuple(filters), tuple(metrics), bool(metrics_text), format_, page, release
    )

    grouping_set = request.grouping_set
    if len(grouping_set) > cohort.max_dimensions:
        parameter = "dims" if len(dims) > cohort.max_dimensions else "filter"
        raise ApiError(
            f"at most {cohort.max_dimensions} dimensions per query, counting filtered dimensions other than "
            f"{', '.join(cohort.partition_columns) or 'the partition columns'}; this query has "
            f"{len(grouping_set)}: {', '.join(grouping_set)}",
            parameter,
        )
    _check_offender_status(request)
    _check_published(request)
    return request


def _parse_page(text: str | None) -> int:
    if text is None:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise ApiError("'page' is a page number, 1 or more", "page")
    return int(text)


def _check_published(request: QueryRequest) -> None:
    """R-PUB-4: only the grouping sets the cube publishes are answered (pub_grouping_sets)."""
    published = request.cohort.grouping_sets
    if published is None or ",".join(request.grouping_set) in published:
        return
    raise ApiError(
        f"the combination {', '.join(request.grouping_set)} is not published for cohort '{request.cohort.name}': "
        "three dimensions may hold at most one with many values (agency, release type, gender identity, offense "
        "sub-types), and gender identity is crossed with at most one other dimension, so that the cells stay large "
        "enough to show; drop a dimension or a filter",
        "dims" if request.dims else "filter",
    )


def _parse_dims(cohort: Cohort, text: str | None) -> list[str]:
    if text is None or not text.strip():
        return []
    dims = _names(text, "dims")
    unknown = [name for name in dims if name not in cohort.dimensions]
    if unknown:
        offered = [dimension.name for dimension in cohort.grouping_dimensions]
        raise ApiError(_known(unknown, offered, "dimension", cohort.name), "dims")
    partitions = [name for name in dims if cohort.dimensions[name].is_partition]
    if partitions:
        raise ApiError(
            f"{', '.join(partitions)} is a partition column: every row already carries it; "
            f"narrow it with filter={partitions[0]}:<value>",
            "dims",
        )
    return dims


def _parse_filters(cohort: Cohort, texts: list[str]) -> list[tuple[str, str]]:
    filters: list[tuple[str, str]] = []
    for text in texts:
        name, separator, value = text.partition(":")
        name, value = name.strip(), value.strip()
        if not separator or not name or not value:
            raise ApiError(f"filter {text!r} is not 'dimension:value'", "filter")
        dimension = cohort.dimensions.get(name)
        if dimension is None:
            raise ApiError(_known([name], list(cohort.dimensions), "filter dimension", cohort.name), "filter")
        if value not in dimension.value_order:
            raise ApiError(
                f"unknown value {value!r} for {name} in cohort '{cohort.name}'; "
                f"offered: {', '.join(dimension.values) or 'none'}",
                "filter",
            )
        if any(existing == name for existing, _ in filters):
            raise ApiError(f"{name} is filtered more than once; give one value per dimension", "filter")
        filters.append((name, value))
    return filters


def _parse_metrics(cohort: Cohort, text: str | None) -> list[str]:
    if text is None or not text.strip():
        return list(cohort.metrics)
    metrics = _names(text, "metrics")
    unknown = [name for name in metrics if name not in cohort.metrics]
    if unknown:
        raise ApiError(_known(unknown, list(cohort.metrics), "metric", cohort.name), "metrics")
    return metrics


def _check_offender_status(request: QueryRequest) -> None:
    """R-CHG-4: governing offense dimensions need offender_status:Sentenced, leading charge ones Pretrial."""
    status = dict(request.filters).get(OFFENDER_STATUS)
    dimensions = request.cohort.dimensions
    for name in request.grouping_set:
        required = dimensions[name].requires_offender_status
        if required and status != required:
            given = f"the query has offender_status:{status}" if status else "the query does not filter it"
            raise ApiError(
                f"{name} is offered only for one offender status, {required} (R-CHG-4): add "
                f"filter={OFFENDER_STATUS}:{required}; {given}",
                "dims" if name in request.dims else "filter",
            )


def run_query(cursor: duckdb.DuckDBPyConnection | None, request: QueryRequest) -> QueryResult:
    """Look up the published cells of the request's grouping set, ordered by partition then dimension values.
    `cursor` reads the grouping set's cells when the cohort's are not held in memory, and may be None when they are."""
    cohort = request.cohort
    columns = request.columns
    grouping_key = ",".join(request.grouping_set)
    if cohort.row_ranges is not None and grouping_key not in cohort.row_ranges:
        return QueryResult(request=request, columns=columns, rows=[])  # the cube has no cell of this grouping set
    cells = cohort.cells
    if cells is None:
        if cursor is None:
            raise ValueError("a cohort whose cells are not held is read with a cursor")
        cells = read_grouping_set(cursor, cohort, grouping_key)
    order = [column.name for column in columns if column.role in ("partition", "dimension")]
    # Each filter column's value as text (cast to varchar) equals the filter's.
    selected = cells.select(grouping_key, request.filters, order)
    suppressed = cells.suppressed[selected]
    hidden = np.flatnonzero(suppressed).tolist()
    values: list[list[Any]] = []
    for column in columns:
        if column.role == "suppression":
            # R-PUB-2: suppressed is not zero. A suppressed cell (or one whose flag is missing) carries no statistic.
            values.append(suppressed.tolist())
            continue
        column_values = cells.column_values(column.name, selected)
        if column.role == "metric":
            for position in hidden:
                column_values[position] = None
        values.append(column_values)
    names = [column.name for column in columns]
    rows = [dict(zip(names, record, strict=True)) for record in zip(*values, strict=True)]
    return QueryResult(request=request, columns=columns, rows=rows)


def read_grouping_set(cursor: duckdb.DuckDBPyConnection, cohort: Cohort, grouping_key: str) -> CubeCells:
    """The cells of one grouping set, read in one statement (a release whose cells are not held)."""
    keys = [*cohort.partition_columns, *(name for name in grouping_key.split(",") if name)]
    conditions = f'"{GROUPING_COLUMN}" = ?'
    parameters: list[Any] = [grouping_key]
    if cohort.row_ranges is not None:
        # Performance only: the stretch of the table that holds this grouping set (the conditions stay complete).
        conditions = "rowid between ? and ? and " + conditions
        parameters[:0] = cohort.row_ranges[grouping_key]
    return read_cells(
        cursor,
        qualified_table(cohort.table_name),
        keys,
        list(cohort.metrics),
        {name: cohort.dimensions[name].value_order for name in keys},
        conditions,
        parameters,
    )


@dataclass(frozen=True)
class Page:
    """The request's page of a result: its rows, and whether another page follows (rows are in a stable order:
    partition, then dimension value order, one row per cell)."""

    rows: list[dict[str, Any]]
    total_rows: int
    has_next: bool


def page_of(result: QueryResult) -> Page:
    page = result.request.page
    start = (page - 1) * PAGE_ROWS
    total = len(result.rows)
    if page > 1 and start >= total:
        raise ApiError(f"page {page} is past the last page ({max(1, -(-total // PAGE_ROWS))})", "page")
    return Page(rows=result.rows[start : start + PAGE_ROWS], total_rows=total, has_next=start + PAGE_ROWS < total)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


CSV_CHUNK_ROWS = 1000


def csv_chunks(columns: list[Column], rows: list[dict[str, Any]]) -> Iterator[bytes]:
    """The CSV of `rows`, header first, in pieces of CSV_CHUNK_ROWS rows (to stream): the same columns and numbers
    as the JSON rows; a suppressed value is an empty field with is_suppressed true."""
    names = [column.name for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for start in range(0, len(rows), CSV_CHUNK_ROWS):
        for row in rows[start : start + CSV_CHUNK_ROWS]:
            writer.writerow([_csv_value(row[name]) for name in names])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")  # the header of a table without rows
