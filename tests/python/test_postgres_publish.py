"""`crosstrack publish --postgres URL` against a real PostgreSQL server that this test starts (initdb, pg_ctl in a
temporary folder, a free port): the release loaded into a new schema, swapped in, readable by the read-only role
and nothing more, with its comments and BI views; a second release replaces the first at once."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg
import pytest
from api_fixtures import build_public_db

from crosstrack.cli import main
from crosstrack.publish_postgres import load_release
from crosstrack.releases import current_id

BIN_DIRS = [Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
SCHEMA = "crosstrack_public"
READER = "crosstrack_reader"


def _binary(name: str) -> str | None:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A PostgreSQL server of its own for this module: its URL (the superuser `postgres`, trust on 127.0.0.1)."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    # A folder of its own under the system's temporary folder (pytest's folders are private to their owner).
    root = Path(tempfile.mkdtemp(prefix="crosstrack-postgres-"))
    data = root / "data"
    # PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (or nobody).
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = "postgres" if _user_exists("postgres") else "nobody"
        prefix = ["runuser", "-u", user, "--"]
        os.chown(root, pwd.getpwnam(user).pw_uid, -1)
    port = _free_port()

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], check=check, capture_output=True, timeout=60)

    try:
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {root} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
        run(pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start")
        server = int((data / "postmaster.pid").read_text().split()[0])
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            if run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop", check=False).returncode != 0:
                os.kill(server, signal.SIGQUIT)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(autouse=True)
def _secret(with_secret):
    """Publication needs the deployment secret."""


def test_a_release_loads_into_postgres_readable_by_the_read_only_role_only(postgres, built_warehouse):
    # The session build's own release (the command's --postgres path is the next test's).
    release = (built_warehouse.published / "current").resolve()
    load_release(release, postgres)
    record = json.loads((release / "release.json").read_text())
    with psycopg.connect(postgres, autocommit=True) as admin:
        tables = admin.execute(
            "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'",
            [SCHEMA],
        ).fetchall()
        assert {name for (name,) in tables} == set(record["row_counts"])
        for table, count in record["row_counts"].items():
            assert admin.execute(f'select count(*) from {SCHEMA}."{table}"').fetchone()[0] == count
        # The comments and the views came along; a view reads the same cells as in the DuckDB file.
        comment = admin.execute("select obj_description(%s::regclass)", [f"{SCHEMA}.pub_cohorts"]).fetchone()[0]
        source = duckdb.connect(str(release / "crosstrack_public.duckdb"), read_only=True)
        expected = source.execute("select comment from duckdb_tables() where table_name = 'pub_cohorts'").fetchone()
        views = [
            name
            for (name,) in source.execute(
                "select view_name from duckdb_views() where schema_name = 'public'"
            ).fetchall()
            if name.startswith("bi_")
        ]
        assert views
        in_schema = admin.execute(
            "select table_name from information_schema.views where table_schema = %s", [SCHEMA]
        ).fetchall()
        assert {name for (name,) in in_schema} == set(views)
        # The cells of each cohort's total view and of one view by a dimension, in both engines.
        compared = [name for name in views if name.endswith("_total") or name.endswith("_by_agency")]
        assert len(compared) >= 2
        for view in compared:
            in_duckdb = sorted(source.execute(f"select * from public.{view}").fetchall(), key=repr)
            in_postgres = sorted(admin.execute(f"select * from {SCHEMA}.{view}").fetchall(), key=repr)
            assert [tuple(map(_plain, row)) for row in in_postgres] == [tuple(map(_plain, r)) for r in in_duckdb]
        source.close()
        assert comment == expected[0] and comment
        admin.execute(f"create role bi_tool login in role {READER}")
    reader_url = postgres.replace("postgres@", "bi_tool@")
    with psycopg.connect(reader_url, autocommit=True) as reader:
        assert reader.execute(f"select count(*) from {SCHEMA}.pub_cohorts").fetchone()[0] > 0
        for statement in (f"delete from {SCHEMA}.pub_cohorts", f"create table {SCHEMA}.mine (x int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(statement)


def test_a_second_release_replaces_the_first_in_one_swap(postgres, tmp_path, api_public_db):
    out = tmp_path / "published"
    warehouse = build_public_db(tmp_path / "earlier.duckdb", as_of="2026-04-01")
    assert main(["publish", "--warehouse", str(warehouse), "--publish-dir", str(out), "--postgres", postgres]) == 0
    assert main(["publish", "--warehouse", str(api_public_db), "--publish-dir", str(out), "--postgres", postgres]) == 0
    with psycopg.connect(postgres, autocommit=True) as admin:
        as_of = admin.execute(f"select cast(as_of as text) from {SCHEMA}.pub_release").fetchone()[0]
        assert as_of == "2026-07-01"
        schemas = {name for (name,) in admin.execute("select nspname from pg_namespace").fetchall()}
        assert {name for name in schemas if name.startswith(SCHEMA)} == {SCHEMA}
        described = admin.execute("select obj_description(%s::regnamespace)", [SCHEMA]).fetchone()[0]
        assert current_id(out) in described
        admin.execute(f"create role dashboard login in role {READER}")
    # The new schema is granted to the read-only role as the old one was.
    with psycopg.connect(postgres.replace("postgres@", "dashboard@"), autocommit=True) as reader:
        assert reader.execute(f"select count(*) from {SCHEMA}.pub_release").fetchone()[0] == 1


def _plain(value: object) -> object:
    """A value as both engines return it comparably (numbers as floats)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return round(float(value), 6)
    return str(value)
