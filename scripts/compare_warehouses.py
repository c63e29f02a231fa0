"""Compare two built warehouses relation by relation: the same rows, whatever their order.

A change meant to leave the results alone (a faster model, a build setting) is checked this way: build the same
delivery with the same secret and the same person-key registry before and after the change, then

    .venv/bin/python scripts/compare_warehouses.py BEFORE.duckdb AFTER.duckdb

Every table and view of BEFORE is compared with the one of the same schema and name in AFTER by EXCEPT ALL both
ways (so duplicated rows count). The columns are matched by name; a relation whose column names differ is
reported. `--ignore-column` leaves a column out wherever it appears (the build time, say). Exits 1 when any
relation differs or is missing, printing its name and the number of rows only in each warehouse; never a row.
"""

from __future__ import annotations

import argparse
import sys

import duckdb


def relations(con: duckdb.DuckDBPyConnection, database: str) -> dict[tuple[str, str], list[str]]:
    """Each user relation of an attached database, with its column names in order."""
    rows = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = ? and not internal order by schema_name, table_name, column_index",
        [database],
    ).fetchall()
    found: dict[tuple[str, str], list[str]] = {}
    for schema, name, column in rows:
        found.setdefault((schema, name), []).append(column)
    return found


def compare(before: str, after: str, ignore: set[str]) -> list[str]:
    """One line per relation that differs; empty when the warehouses hold the same rows."""
    con = duckdb.connect()
    con.execute("attach ? as before_db (read_only)", [before])
    con.execute("attach ? as after_db (read_only)", [after])
    old, new = relations(con, "before_db"), relations(con, "after_db")
    problems = [f"{schema}.{name}: only in {after}" for schema, name in sorted(new.keys() - old.keys())]
    for (schema, name), columns in sorted(old.items()):
        if (schema, name) not in new:
            problems.append(f"{schema}.{name}: only in {before}")
            continue
        kept = [column for column in columns if column not in ignore]
        if sorted(kept) != sorted(column for column in new[(schema, name)] if column not in ignore):
            problems.append(f"{schema}.{name}: the columns differ")
            continue
        select = ", ".join(f'"{column}"' for column in kept)
        counts = []
        for first, second in (("before_db", "after_db"), ("after_db", "before_db")):
            counts.append(
                con.execute(
                    f'select count(*) from (select {select} from {first}."{schema}"."{name}" '
                    f'except all select {select} from {second}."{schema}"."{name}")'
                ).fetchone()[0]
            )
        if any(counts):
            problems.append(f"{schema}.{name}: {counts[0]} rows only in {before}, {counts[1]} only in {after}")
    print(f"{len(old)} relations compared, {len(problems)} differ")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--ignore-column", action="append", default=[], help="a column left out everywhere")
    args = parser.parse_args(argv)
    problems = compare(args.before, args.after, set(args.ignore_column))
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
