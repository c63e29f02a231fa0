"""The public catalog: which cohorts, dimensions, values and metrics the public release offers.

Everything the API offers is read from the catalog tables of the published file (pub_cohorts, pub_dimensions,
pub_metrics, pub_release); nothing about the cube is hard-coded here. A catalog entry is offered only when its
table and column really exist in the file, so every identifier that reaches SQL is one of these whitelisted names.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import duckdb

from crosstrack.api.cells import CubeCells, read_cells
from crosstrack.api.database import ATTACHED_AS, DatabaseUnavailable, fetch_all
from crosstrack.publish import public_columns

PUBLIC_SCHEMA = "public"
CATALOG_TABLES = ("pub_cohorts", "pub_dimensions", "pub_metrics", "pub_release")
# A name we are willing to put into SQL as a quoted identifier (it must also be in the catalog and the table).
SAFE_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    description: str
    is_partition: bool
    requires_offender_status: str | None  # R-CHG-4: offered only with offender_status:<this value>
    values: tuple[str, ...]  # in value_order
    value_order: dict[str, int] = field(hash=False, compare=False)


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    unit: str


@dataclass(frozen=True)
class Cohort:
    name: str
    table_name: str
    label: str
    description: str
    partition_columns: tuple[str, ...]
    max_dimensions: int
    dimensions: dict[str, Dimension]  # partition columns first, then in the table's column order
    metrics: dict[str, Metric]  # in metric_order
    # Performance only: the first and last rowid of each grouping set (`dimensions` value) in the cube table, read
    # once per opened file. A lookup adds `rowid between first and last` to its conditions, so DuckDB scans only
    # that stretch (publication writes a grouping set's rows together). None: not known, scan the whole table.
    row_ranges: dict[str, tuple[int, int]] | None = field(default=None, hash=False, compare=False, repr=False)
    # The grouping sets the cube publishes (pub_grouping_sets, each sorted and comma-separated); None: the release
    # has no such list and every set within max_dimensions is offered.
    grouping_sets: frozenset[str] | None = field(default=None, hash=False, compare=False, repr=False)
    # Performance only: the cube's cells, read once when the release was opened (crosstrack/api/cells.py); None
    # for an earlier release a query names, whose lookups read one grouping set each.
    cells: CubeCells | None = field(default=None, hash=False, compare=False, repr=False)

    @property
    def grouping_dimensions(self) -> list[Dimension]:
        return [dimension for dimension in self.dimensions.values() if not dimension.is_partition]


@dataclass(frozen=True)
class Release:
    as_of: str | None
    published_at: str | None
    suppression_threshold: int | None
    max_dimensions: int | None


@dataclass(frozen=True)
class Catalog:
    release: Release
    cohorts: dict[str, Cohort]


def qualified_table(table_name: str) -> str:
    """`db.public."<table>"` for a table name taken from the catalog (never from a request)."""
    if not SAFE_IDENTIFIER.match(table_name):
        raise ValueError(f"unsafe table name {table_name!r}")
    return f'{ATTACHED_AS}.{PUBLIC_SCHEMA}."{table_name}"'


def quoted(column: str) -> str:
    if not SAFE_IDENTIFIER.match(column):
        raise ValueError(f"unsafe column name {column!r}")
    return f'"{column}"'


def _iso(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def load_catalog(connection: duckdb.DuckDBPyConnection, hold_cells: bool = True) -> Catalog:
    """Read the catalog tables and (`hold_cells`) every cube's cells; raises DatabaseUnavailable when the file
    carries no catalog."""
    cursor = connection.cursor()
    columns = public_columns(cursor, ATTACHED_AS)
    missing = [table for table in CATALOG_TABLES if table not in columns]
    if missing:
        raise DatabaseUnavailable(f"the public release has no catalog (missing {', '.join(missing)})")
    release_rows = fetch_all(
        cursor,
        f"select as_of, published_at, suppression_threshold, max_dimensions from {qualified_table('pub_release')}",
    )
    as_of, published_at, threshold, max_dimensions = release_rows[0] if release_rows else (None,) * 4
    release = Release(_iso(as_of), _iso(published_at), threshold, max_dimensions)

    dimension_rows = fetch_all(
        cursor,
        "select cohort, dimension, label, description, is_partition, requires_offender_status, value, value_order, "
        f"dimension_order from {qualified_table('pub_dimensions')} order by cohort, dimension, value_order, value",
    )
    metric_rows = fetch_all(
        cursor,
        f"select cohort, metric, label, description, unit from {qualified_table('pub_metrics')} "
        "order by cohort, metric_order, metric",
    )
    cohort_rows = fetch_all(
        cursor,
        "select cohort, table_name, label, description, partition_columns, max_dimensions "
        f"from {qualified_table('pub_cohorts')} order by cohort_order, cohort",
    )

    grouping_sets: dict[str, set[str]] | None = None
    if "pub_grouping_sets" in columns:
        grouping_sets = {}
        for cohort, dimensions in fetch_all(
            cursor, f"select cohort, dimensions from {qualified_table('pub_grouping_sets')}"
        ):
            grouping_sets.setdefault(cohort, set()).add(dimensions)

    cohorts: dict[str, Cohort] = {}
    for name, table_name, label, description, partition_text, cohort_max in cohort_rows:
        table_columns = columns.get(table_name)
        if (
            not table_columns
            or not SAFE_IDENTIFIER.match(table_name)
            or not {"dimensions", "is_suppressed"} <= set(table_columns)
        ):
            continue  # a catalog entry without its cube table is not offered
        partitions = tuple(part.strip() for part in (partition_text or "").split(",") if part.strip())
        dimensions = _cohort_dimensions(name, partitions, dimension_rows, table_columns)
        metrics = {
            metric: Metric(metric, metric_label or metric, metric_description or "", unit or "")
            for cohort, metric, metric_label, metric_description, unit in metric_rows
            if cohort == name and metric in table_columns and SAFE_IDENTIFIER.match(metric)
        }
        metric_names = list(metrics)
        cells = None
        if hold_cells:
            cells = read_cells(
                cursor,
                qualified_table(table_name),
                list(dimensions),
                metric_names,
                {key: dimension.value_order for key, dimension in dimensions.items()},
            )
        cohorts[name] = Cohort(
            name=name,
            table_name=table_name,
            label=label or name,
            description=description or "",
            partition_columns=tuple(part for part in partitions if part in dimensions),
            max_dimensions=int(cohort_max if cohort_max is not None else release.max_dimensions or 3),
            dimensions=dimensions,
            metrics=metrics,
            row_ranges=_row_ranges(cursor, table_name),
            grouping_sets=None if grouping_sets is None else frozenset(grouping_sets.get(name, ())),
            cells=cells,
        )
    return Catalog(release=release, cohorts=cohorts)


def load_catalog_without_cells(connection: duckdb.DuckDBPyConnection) -> Catalog:
    """The catalog of an earlier release a query names: its lookups read one grouping set each and keep no cells,
    so that the memory of the cells is spent on the current release only."""
    return load_catalog(connection, hold_cells=False)


def _row_ranges(cursor: duckdb.DuckDBPyConnection, table_name: str) -> dict[str, tuple[int, int]] | None:
    """Where each grouping set lies in the cube table (first and last rowid); None when the table has no rowid."""
    try:
        rows = fetch_all(
            cursor, f'select "dimensions", min(rowid), max(rowid) from {qualified_table(table_name)} group by all'
        )
    except duckdb.Error:
        return None
    return {key: (first, last) for key, first, last in rows if key is not None}


def _cohort_dimensions(
    cohort: str, partitions: tuple[str, ...], rows: list[tuple], table_columns: list[str]
) -> dict[str, Dimension]:
    collected: dict[str, dict] = {}
    for row_cohort, name, label, description, is_partition, requires, value, value_order, order in rows:
        if row_cohort != cohort or name not in table_columns or not SAFE_IDENTIFIER.match(name):
            continue
        entry = collected.setdefault(
            name,
            {
                "label": label or name,
                "description": description or "",
                "is_partition": bool(is_partition) or name in partitions,
                "requires": requires,
                "order": order,
                "values": [],
            },
        )
        if value is not None:
            entry["values"].append((value_order if value_order is not None else 0, str(value)))
    # Partition columns first (in partition order), then by dimension_order.
    ordered = sorted(
        collected,
        key=lambda name: (
            0 if name in partitions else 1,
            partitions.index(name) if name in partitions else 0,
            collected[name]["order"],
            table_columns.index(name),
        ),
    )
    dimensions: dict[str, Dimension] = {}
    for name in ordered:
        entry = collected[name]
        values = tuple(value for _, value in sorted(entry["values"]))
        dimensions[name] = Dimension(
            name=name,
            label=entry["label"],
            description=entry["description"],
            is_partition=entry["is_partition"],
            requires_offender_status=entry["requires"],
            values=values,
            value_order={value: index for index, value in enumerate(values)},
        )
    return dimensions


def read_a_row_of_each_cube(cursor: duckdb.DuckDBPyConnection, catalog: Catalog) -> int:
    """Read one row of every cube the catalog offers (the health check); returns how many were read. Raises
    DatabaseUnavailable for a cube without rows, and lets DuckDB's error through for one that cannot be read."""
    for cohort in catalog.cohorts.values():
        if not fetch_all(cursor, f"select * from {qualified_table(cohort.table_name)} limit 1"):
            raise DatabaseUnavailable(f"the public release's {cohort.name} cube has no rows")
    return len(catalog.cohorts)
