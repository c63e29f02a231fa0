"""Publish the public layer: a DuckDB file and Parquet files that hold only the `public` schema's tables.

Readers (the API, BI tools, downloads) open the published copy, never the warehouse a build writes. The copy is
written beside its destination and moved into place in one rename, so a reader sees the old release or the new
one, never a half-written file. Privacy is structural (R-PUB-1): only tables of the `public` schema are
copied, and publication refuses any column whose name marks person-level data, as the landing contract marks it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from crosstrack.contract import load_contract
from crosstrack.progress import Progress
from crosstrack.secret import SecretError, load_secret

RULES = ("R-PUB-1",)  # the rules of docs/rules.md this module implements

PUBLIC_SCHEMA = "public"

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
    database: Path
    parquet_dir: Path
    tables: tuple[str, ...]


def person_level_columns(columns: dict[str, list[str]]) -> list[str]:
    """`table.column` for every column whose name marks person-level data."""
    return [
        f"{table}.{column}" for table, names in sorted(columns.items()) for column in names if is_person_level(column)
    ]


def public_columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    """The columns of every table of the `public` schema of the attached database `catalog`, in table order."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
        [catalog, PUBLIC_SCHEMA],
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def publish(warehouse: Path, out_dir: Path, show_progress: bool = False) -> PublishedRelease:
    """Copy the public schema of `warehouse` to `out_dir/crosstrack_public.duckdb` and `out_dir/parquet/`
    (`show_progress`: tables copied of all, crosstrack/progress.py)."""
    if not warehouse.exists():
        raise PublishError(f"no warehouse at {warehouse}: build it first (crosstrack build)")
    try:
        load_secret()  # the noise of the cells is keyed with it (R-PUB-3): no release without a valid one
    except SecretError as exc:
        raise PublishError(f"publication refused: {exc}") from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    database = out_dir / "crosstrack_public.duckdb"
    parquet_dir = out_dir / "parquet"
    next_database = out_dir / "crosstrack_public.next.duckdb"
    next_parquet = out_dir / "parquet.next"
    next_database.unlink(missing_ok=True)
    shutil.rmtree(next_parquet, ignore_errors=True)
    next_parquet.mkdir()

    con = duckdb.connect(str(next_database))
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        columns = public_columns(con, "warehouse")
        offending = person_level_columns(columns)
        if offending:
            raise PublishError(f"person-level columns in the public schema: {', '.join(offending)}")
        con.execute(f"create schema {PUBLIC_SCHEMA}")
        with Progress("publish", total=len(columns), unit="tables", enabled=show_progress) as progress:
            for table in columns:
                con.execute(
                    f'create table {PUBLIC_SCHEMA}."{table}" as select * from warehouse.{PUBLIC_SCHEMA}."{table}"'
                )
                con.execute(
                    f"copy {PUBLIC_SCHEMA}.\"{table}\" to '{next_parquet / (table + '.parquet')}' (format parquet)"
                )
                progress.advance()
        con.execute("detach warehouse")
    except Exception:
        con.close()
        next_database.unlink(missing_ok=True)
        shutil.rmtree(next_parquet, ignore_errors=True)
        raise
    con.close()

    os.replace(next_database, database)  # atomic: readers see the old file or the new one
    previous = out_dir / "parquet.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if parquet_dir.exists():
        os.replace(parquet_dir, previous)
    os.replace(next_parquet, parquet_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return PublishedRelease(database=database, parquet_dir=parquet_dir, tables=tuple(columns))
