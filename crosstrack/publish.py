"""Publish the public layer as a release: a DuckDB file and Parquet files that hold only the `public` schema's
tables, with their documentation, ready views for BI tools, and a downloads bundle.

Readers (the API, BI tools, downloads) open the published copy, never the warehouse a build writes. Each
publication is an immutable release folder (crosstrack/releases.py), written under a temporary name, renamed into
`<publish_dir>/releases/<id>/` and then made current by one rename of the `current` link, so a reader sees the old
release or the new one, never a half-written file. Privacy is structural (R-PUB-1): only tables of the `public`
schema are copied, and publication refuses any column whose name marks person-level data, as the landing contract
marks it.

The published DuckDB file is written in the storage format of DuckDB 1.0 (`STORAGE_VERSION 'v1.0.0'`), which every
DuckDB client from 1.0 on opens, most BI drivers included. The table and column comments dbt persists from the
public models' documentation are carried into the file (COMMENT ON) and into each Parquet file's key-value
metadata. For every cube, views named `bi_<cohort>_total` and `bi_<cohort>_by_<dimension>` hold one published
grouping set each (`bi_views`), so that a BI user who sums their rows never counts a record twice.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from crosstrack.contract import load_contract
from crosstrack.contract.cubes import public_cubes
from crosstrack.progress import Progress
from crosstrack.secret import SecretError, load_secret

RULES = ("R-PUB-1",)  # the rules of docs/rules.md this module implements

PUBLIC_SCHEMA = "public"
DATABASE_NAME = "crosstrack_public.duckdb"
PARQUET_DIR = "parquet"
# The oldest DuckDB storage format: files in it open in DuckDB 1.0 and later (and 2.x).
STORAGE_VERSION = "v1.0.0"
# The key-value metadata of each Parquet file: the table's comment and a JSON object of its columns' comments.
PARQUET_DESCRIPTION_KEY = "description"
PARQUET_COLUMNS_KEY = "column_descriptions"

# Person-level columns the warehouse itself adds (they are in no landing file): the person's key, the landing row a
# record came from, and the source record's identifier under its warehouse name.
WAREHOUSE_PERSON_COLUMNS = ("person_key", "landing_row", "source_record_id", "source_person_id")


@cache
def person_level_names() -> frozenset[str]:
    """The column names that denote person-level data (R-PUB-1), as the landing contract marks them: the
    columns it marks `pii` (names, birth dates, SIDs, docket numbers), the identifiers it declares (each file's
    primary key and every reference to one) and its date and timestamp columns (exact event dates), under their
    staged names; and the warehouse's own person-level columns (WAREHOUSE_PERSON_COLUMNS)."""
    names = set(WAREHOUSE_PERSON_COLUMNS)
    for landing_file in load_contract().files:
        for column in landing_file.columns:
            is_identifier = column.name == landing_file.primary_key or column.references is not None
            if column.pii or is_identifier or column.type in ("date", "timestamp"):
                names.add(column.staged_as)
    return frozenset(names)


def is_person_level(column: str) -> bool:
    """A column whose name is, or holds as whole words (`most_recent_admission_date`, `source_person_key`), a
    person-level name."""
    padded = f"_{column.lower()}_"
    return any(f"_{name}_" in padded for name in person_level_names())


class PublishError(RuntimeError):
    """Publication refused: the message names the table and column, or what is wrong with the deployment secret."""


@dataclass(frozen=True)
class PublishedRelease:
    database: Path  # <publish_dir>/crosstrack_public.duckdb: the current release's file, by a stable name
    parquet_dir: Path
    tables: tuple[str, ...]
    release_id: str
    release_dir: Path  # <publish_dir>/releases/<release_id>/
    restricted_reports: tuple[Path, ...] = ()  # the SID capture report archived for this release, outside it


@dataclass(frozen=True)
class BiView:
    """A ready view over one published grouping set of a cube."""

    name: str
    cohort: str
    table: str
    grouping_set: str  # the cube's `dimensions` value: sorted, comma-separated, empty for the total
    columns: tuple[str, ...]
    keys: tuple[str, ...]  # the partitions and the dimension: one row per value of them
    where: tuple[tuple[str, str], ...]  # (column, value) filters beside the grouping set's
    comment: str
    column_comments: dict[str, str]

    def fits(self, available: list[str]) -> bool:
        """A table with `available` columns has what the view needs to hold one row per key."""
        needed = {"dimensions", *self.keys, *(column for column, _ in self.where)}
        return needed <= set(available)

    def restricted_to(self, available: list[str]) -> BiView:
        """The view with only the columns in `available`."""
        columns = tuple(column for column in self.columns if column in available)
        comments = {column: text for column, text in self.column_comments.items() if column in columns}
        return dataclasses.replace(self, columns=columns, column_comments=comments)

    def select(self, schema: str) -> str:
        """The view's query over `schema`.`table` (plain SQL: DuckDB and PostgreSQL alike)."""
        conditions = [f"dimensions = {sql_literal(self.grouping_set)}"]
        conditions += [f'"{column}" = {sql_literal(value)}' for column, value in self.where]
        columns = ", ".join(f'"{column}"' for column in self.columns)
        return f'select {columns} from {schema}."{self.table}" where {" and ".join(conditions)}'


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def person_level_columns(columns: dict[str, list[str]]) -> list[str]:
    """`table.column` for every column whose name marks person-level data."""
    return [
        f"{table}.{column}" for table, names in sorted(columns.items()) for column in names if is_person_level(column)
    ]


def public_columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    """The columns of every table of the `public` schema of the attached database `catalog`, in table order."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name in ("
        "  select table_name from duckdb_tables() where database_name = ? and schema_name = ?"
        ") order by table_name, ordinal_position",
        [catalog, PUBLIC_SCHEMA, catalog, PUBLIC_SCHEMA],
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def _comments(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """The table comments and the (table, column) comments of the `public` schema of `catalog` (dbt's
    persist_docs writes them from the public models' documentation)."""
    tables = con.execute(
        "select table_name, comment from duckdb_tables() where database_name = ? and schema_name = ?",
        [catalog, PUBLIC_SCHEMA],
    ).fetchall()
    columns = con.execute(
        "select table_name, column_name, comment from duckdb_columns() where database_name = ? and schema_name = ?",
        [catalog, PUBLIC_SCHEMA],
    ).fetchall()
    return (
        {table: comment for table, comment in tables if comment},
        {(table, column): comment for table, column, comment in columns if comment},
    )


def _grouping_sets(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]]) -> set[tuple[str, str]]:
    """(cohort, dimensions) of every grouping set the release publishes (pub_grouping_sets), if it has the table."""
    if "pub_grouping_sets" not in columns:
        return set()
    rows = con.execute(f"select cohort, dimensions from warehouse.{PUBLIC_SCHEMA}.pub_grouping_sets").fetchall()
    return {(cohort, dimensions) for cohort, dimensions in rows}


def bi_views(published: set[tuple[str, str]]) -> Iterator[BiView]:
    """For each cube of crosstrack/contract/cubes.yml: its total by partition, and its cells by each dimension
    alone, each one grouping set of the cube (among `published`, the (cohort, dimensions) the release holds). An
    offense dimension published only beside offender status (R-CHG-4) is viewed within the status it requires."""
    for cohort, cube in public_cubes().items():
        partitions = [partition["name"] for partition in cube["partitions"]]
        metrics = [metric["name"] for metric in cube["metrics"]]
        described = {partition["name"]: partition["description"] for partition in cube["partitions"]}
        described |= {metric["name"]: metric["description"] for metric in cube["metrics"]}
        described["is_suppressed"] = "True when the cell has fewer records than the threshold: its values are null."
        tail = f"; one published grouping set of {cube['table']}, so its rows add up without double counting."
        candidates = [(f"bi_{cohort}_total", "", (), (), f"{cube['label']}: the total by {', '.join(partitions)}")]
        for dimension in cube["dimensions"]:
            name = dimension["name"]
            status = dimension.get("requires_offender_status")
            grouped = sorted([name, "offender_status"]) if status else [name]
            where = (("offender_status", status),) if status else ()
            within = f" ({status} only)" if status else ""
            comment = f"{cube['label']} by {dimension['label'].lower()}{within}"
            candidates.append((f"bi_{cohort}_by_{name}", ",".join(grouped), (name,), where, comment))
        for view_name, grouping_set, dimensions, where, comment in candidates:
            if (cohort, grouping_set) not in published:
                continue
            columns = (*partitions, *dimensions, *metrics, "is_suppressed")
            column_comments = {column: described[column] for column in columns if column in described}
            for dimension in cube["dimensions"]:
                if dimension["name"] in dimensions:
                    column_comments[dimension["name"]] = dimension["description"]
            yield BiView(
                name=view_name,
                cohort=cohort,
                table=cube["table"],
                grouping_set=grouping_set,
                columns=columns,
                keys=(*partitions, *dimensions),
                where=where,
                comment=comment + tail,
                column_comments=column_comments,
            )


def check_publishable(warehouse: Path) -> None:
    """Refuse early: no warehouse, or no fit deployment secret."""
    if not warehouse.exists():
        raise PublishError(f"no warehouse at {warehouse}: build it first (crosstrack build)")
    try:
        load_secret()  # the noise of the cells is keyed with it (R-PUB-3): no release without a valid one
    except SecretError as exc:
        raise PublishError(f"publication refused: {exc}") from exc


def write_public_copy(warehouse: Path, folder: Path, show_progress: bool = False) -> dict[str, int]:
    """Copy the public schema of `warehouse` into `folder`: DATABASE_NAME (storage STORAGE_VERSION, comments, the
    BI views) and PARQUET_DIR/<table>.parquet (comments in the key-value metadata). Returns the row count of each
    table. Raises PublishError, before writing anything, on a person-level column."""
    parquet_dir = folder / PARQUET_DIR
    parquet_dir.mkdir(parents=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach {sql_literal(str(warehouse))} as warehouse (read_only)")
        columns = public_columns(con, "warehouse")
        offending = person_level_columns(columns)
        if offending:
            raise PublishError(f"person-level columns in the public schema: {', '.join(offending)}")
        table_comments, column_comments = _comments(con, "warehouse")
        # A view over a cube the warehouse has, with the declared columns it has (a dbt contract enforces them all).
        views = [
            view.restricted_to(columns[view.table])
            for view in bi_views(_grouping_sets(con, columns))
            if view.table in columns and view.fits(columns[view.table])
        ]
        database = folder / DATABASE_NAME
        con.execute(f"attach {sql_literal(str(database))} as release (storage_version {sql_literal(STORAGE_VERSION)})")
        con.execute(f"create schema release.{PUBLIC_SCHEMA}")
        row_counts: dict[str, int] = {}
        with Progress("publish", total=len(columns), unit="tables", enabled=show_progress) as progress:
            for table in columns:
                target = f'release.{PUBLIC_SCHEMA}."{table}"'
                # In a fixed order (every column, left to right): the same rows give the same files, whichever order
                # the build's parallel aggregation left them in.
                con.execute(f'create table {target} as select * from warehouse.{PUBLIC_SCHEMA}."{table}" order by all')
                _comment(con, "table", target, table_comments.get(table))
                for column in columns[table]:
                    _comment(con, "column", f'{target}."{column}"', column_comments.get((table, column)))
                described = {c: column_comments[(table, c)] for c in columns[table] if (table, c) in column_comments}
                metadata = {
                    PARQUET_DESCRIPTION_KEY: table_comments.get(table, ""),
                    PARQUET_COLUMNS_KEY: json.dumps(described, sort_keys=True),
                }
                kv = ", ".join(f"{key}: {sql_literal(value)}" for key, value in metadata.items())
                path = sql_literal(str(parquet_dir / f"{table}.parquet"))
                con.execute(f"copy {target} to {path} (format parquet, kv_metadata {{{kv}}})")
                row_counts[table] = con.execute(f"select count(*) from {target}").fetchone()[0]
                progress.advance()
        con.execute("use release")  # a view's query names the schema only, so that it reads its own file
        for view in views:
            target = f'{PUBLIC_SCHEMA}."{view.name}"'
            con.execute(f"create view {target} as {view.select(PUBLIC_SCHEMA)}")
            _comment(con, "view", target, view.comment)
            for column, comment in view.column_comments.items():
                _comment(con, "column", f'{target}."{column}"', comment)
        con.execute("use memory")
        con.execute("detach release")
        con.execute("detach warehouse")
    finally:
        con.close()
    return row_counts


def _comment(con: duckdb.DuckDBPyConnection, kind: str, target: str, comment: str | None) -> None:
    if comment:
        con.execute(f"comment on {kind} {target} is {sql_literal(comment)}")


def publish(
    warehouse: Path,
    out_dir: Path,
    show_progress: bool = False,
    landing_dir: Path | None = None,
    as_of: str | None = None,
    keep: int | None = None,
    restricted_dir: Path | None = None,
) -> PublishedRelease:
    """Publish the public schema of `warehouse` as a new release under `out_dir/releases/` and make it current:
    `out_dir/crosstrack_public.duckdb` and `out_dir/parquet/` then name its files (crosstrack/releases.py).
    `landing_dir`: the delivery it was built from, checked against the delivery manifest the warehouse carries
    (or, for a warehouse without one, checksummed); `as_of`: the date recorded when the warehouse has no pub_release
    table; `keep`: releases kept by pruning. The restricted SID capture report of the warehouse is then archived
    under the release's id in `restricted_dir` (default restricted_reports/ beside the warehouse), never in
    `out_dir`. `show_progress`: tables copied of all."""
    from crosstrack.releases import KEEP_RELEASES, create_release
    from crosstrack.reports import sid_capture

    check_publishable(warehouse)
    restricted_dir = restricted_dir if restricted_dir is not None else sid_capture.restricted_reports_dir(warehouse)
    archive_restricted = sid_capture.has_sid_capture(warehouse)  # a warehouse dbt built has it
    if archive_restricted:
        try:
            sid_capture.check_restricted_folder(restricted_dir, out_dir)
        except ValueError as exc:
            raise PublishError(f"restricted reports folder {exc}") from exc
    release = create_release(
        warehouse,
        out_dir,
        landing_dir=landing_dir,
        as_of=as_of,
        show_progress=show_progress,
        keep=keep or KEEP_RELEASES,
    )
    if not archive_restricted:
        return release
    restricted = sid_capture.archive_sid_capture(warehouse, release.release_id, restricted_dir, out_dir)
    return dataclasses.replace(release, restricted_reports=tuple(restricted))
