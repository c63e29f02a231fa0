"""Load a release (crosstrack/releases.py) into PostgreSQL for BI tools: a new schema, swapped in at once.

The release's tables are copied into a schema of their own (`<schema>__next`) with their comments and the BI
views (crosstrack/publish.py `bi_views`), and the read-only role is granted it; then one transaction renames the
schema in use aside, renames the new one into its place and drops the old one, so that a BI tool sees the previous
release or the new one, never a mix. The read-only role (default `crosstrack_reader`) is created, without login,
when it is missing: a BI tool's login is made a member of it (docs/bi_guide.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from crosstrack.publish import DATABASE_NAME, PUBLIC_SCHEMA, bi_views
from crosstrack.releases import RELEASE_FILE

BATCH_ROWS = 10_000
# DuckDB type -> PostgreSQL type (DECIMAL(p,s) keeps its precision and scale).
TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
}


class PostgresPublishError(RuntimeError):
    """The load or the swap failed: the message says which table or step."""


def postgres_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower().replace("decimal", "numeric")
    try:
        return TYPES[duckdb_type]
    except KeyError:
        raise PostgresPublishError(f"no PostgreSQL type for DuckDB type {duckdb_type}") from None


def load_release(
    release_dir: Path, url: str, schema: str = "crosstrack_public", reader_role: str = "crosstrack_reader"
) -> None:
    """Load the release in `release_dir` into `schema` of the PostgreSQL database at `url` (see the module)."""
    record = json.loads((release_dir / RELEASE_FILE).read_text(encoding="utf-8"))
    next_schema, old_schema = f"{schema}__next", f"{schema}__previous"
    source = duckdb.connect(str(release_dir / DATABASE_NAME), read_only=True)
    try:
        with psycopg.connect(url) as target:
            _ensure_role(target, reader_role)
            with target.transaction():
                _load(source, target, next_schema, record, reader_role)
            with target.transaction():  # the swap: one transaction
                cursor = target.cursor()
                cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old_schema)))
                exists = cursor.execute("select count(*) from pg_namespace where nspname = %s", [schema]).fetchone()[0]
                if exists:
                    cursor.execute(
                        sql.SQL("alter schema {} rename to {}").format(
                            sql.Identifier(schema), sql.Identifier(old_schema)
                        )
                    )
                cursor.execute(
                    sql.SQL("alter schema {} rename to {}").format(sql.Identifier(next_schema), sql.Identifier(schema))
                )
                cursor.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(old_schema)))
    except psycopg.Error as exc:
        raise PostgresPublishError(f"PostgreSQL load of release {record['id']} failed: {exc}".strip()) from exc
    finally:
        source.close()


def _ensure_role(target: psycopg.Connection, role: str) -> None:
    with target.transaction():
        cursor = target.cursor()
        if not cursor.execute("select count(*) from pg_roles where rolname = %s", [role]).fetchone()[0]:
            cursor.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))


def _load(
    source: duckdb.DuckDBPyConnection, target: psycopg.Connection, schema: str, record: dict, reader_role: str
) -> None:
    cursor = target.cursor()
    name = sql.Identifier(schema)
    cursor.execute(sql.SQL("drop schema if exists {} cascade").format(name))
    cursor.execute(sql.SQL("create schema {}").format(name))
    comment = f"Cross-Tracking public release {record['id']} (as_of {record['as_of']})"
    cursor.execute(sql.SQL("comment on schema {} is {}").format(name, sql.Literal(comment)))
    tables = source.execute(
        "select table_name, comment from duckdb_tables() where schema_name = ? order by table_name", [PUBLIC_SCHEMA]
    ).fetchall()
    table_columns: dict[str, list[str]] = {}
    for table, table_comment in tables:
        columns = source.execute(
            "select column_name, data_type, comment from duckdb_columns() where schema_name = ? and table_name = ? "
            "order by column_index",
            [PUBLIC_SCHEMA, table],
        ).fetchall()
        table_columns[table] = [column for column, _, _ in columns]
        qualified = sql.Identifier(schema, table)
        definitions = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(postgres_type(data_type)))
            for column, data_type, _ in columns
        )
        cursor.execute(sql.SQL("create table {} ({})").format(qualified, definitions))
        _comment(cursor, "table", qualified, table_comment)
        for column, _, column_comment in columns:
            _comment(cursor, "column", sql.Identifier(schema, table, column), column_comment)
        names = sql.SQL(", ").join(sql.Identifier(column) for column, _, _ in columns)
        result = source.execute(f'select * from {PUBLIC_SCHEMA}."{table}"')
        with cursor.copy(sql.SQL("copy {} ({}) from stdin").format(qualified, names)) as copy:
            while rows := result.fetchmany(BATCH_ROWS):
                for row in rows:
                    copy.write_row(row)
    published = set()
    if any(table == "pub_grouping_sets" for table, _ in tables):
        published = set(source.execute(f"select cohort, dimensions from {PUBLIC_SCHEMA}.pub_grouping_sets").fetchall())
    kept = {
        row[0]
        for row in source.execute(
            "select view_name from duckdb_views() where schema_name = ?", [PUBLIC_SCHEMA]
        ).fetchall()
    }
    for view in bi_views(published):
        if view.name not in kept:
            continue
        view = view.restricted_to(table_columns[view.table])
        qualified = sql.Identifier(schema, view.name)
        cursor.execute(sql.SQL("create view {} as ").format(qualified) + sql.SQL(view.select(name.as_string(target))))
        _comment(cursor, "view", qualified, view.comment)
        for column, column_comment in view.column_comments.items():
            _comment(cursor, "column", sql.Identifier(schema, view.name, column), column_comment)
    role = sql.Identifier(reader_role)
    cursor.execute(sql.SQL("grant usage on schema {} to {}").format(name, role))
    cursor.execute(sql.SQL("grant select on all tables in schema {} to {}").format(name, role))


def _comment(cursor: psycopg.Cursor, kind: str, target: sql.Composable, comment: str | None) -> None:
    if comment:
        cursor.execute(sql.SQL(f"comment on {kind} {{}} is {{}}").format(target, sql.Literal(comment)))
