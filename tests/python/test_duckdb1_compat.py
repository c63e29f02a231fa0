"""The published DuckDB file opens in a DuckDB 1.x client (most BI drivers), in an environment of its own
(`make setup` installs it in .tools/duckdb1): every table and view reads, with the comments publication carried."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

from crosstrack.settings import PROJECT_DIR

DUCKDB1_PYTHON = PROJECT_DIR / ".tools" / "duckdb1" / "bin" / "python"

# What a client sees in the file: each table's and view's rows and comment, each column's comment.
READ_EVERYTHING = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
relations = con.execute(
    "select table_name, comment from duckdb_tables() where schema_name = 'public' "
    "union all select view_name, comment from duckdb_views() where schema_name = 'public' and not internal"
).fetchall()
columns = con.execute(
    "select table_name, column_name, comment from duckdb_columns() where schema_name = 'public'"
).fetchall()
print(json.dumps({
    "version": duckdb.__version__,
    "rows": {name: con.execute(f'select count(*) from public."{name}"').fetchone()[0] for name, _ in relations},
    "comments": {name: comment for name, comment in relations},
    "column_comments": {f"{table}.{column}": comment for table, column, comment in columns},
}))
"""


def _read(python: Path | str, database: Path) -> dict:
    completed = subprocess.run(
        [str(python), "-c", READ_EVERYTHING, str(database)], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout)


def test_a_duckdb_1_client_reads_every_table_view_and_comment_of_the_published_file(built_warehouse):
    assert DUCKDB1_PYTHON.exists(), "no DuckDB 1.x client: run `make setup` (it installs .tools/duckdb1)"
    database = built_warehouse.public_database
    seen = _read(DUCKDB1_PYTHON, database)
    assert seen["version"].startswith("1.")
    # The same as the project's own DuckDB reads, relation by relation: nothing lost, nothing unreadable.
    con = duckdb.connect(str(database), read_only=True)
    expected_rows = {
        name: con.execute(f'select count(*) from public."{name}"').fetchone()[0]
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'public' "
            "union all select view_name from duckdb_views() where schema_name = 'public' and not internal"
        ).fetchall()
    }
    con.close()
    assert seen["rows"] == expected_rows
    assert any(name.startswith("bi_") for name in seen["rows"])
    # Every table, view and column the public models document arrives with its comment.
    assert all(seen["comments"].values()), [name for name, comment in seen["comments"].items() if not comment]
    assert all(seen["column_comments"].values()), [k for k, v in seen["column_comments"].items() if not v]
