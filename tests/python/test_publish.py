"""Publication copies only public tables, refuses person-level columns, and replaces the release atomically; a
release records the checksums of the delivery the warehouse was built from, which the warehouse carries."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from crosstrack.cli import main
from crosstrack.contract import load_contract
from crosstrack.publish import PublishError, person_level_columns, publish
from crosstrack.quality.outputs import recorded_manifest
from crosstrack.releases import delivery_checksums, list_releases


@pytest.fixture(autouse=True)
def _secret(with_secret):
    """Publication needs the deployment secret (test_secret checks that it refuses without one)."""


def _warehouse(path: Path, public_sql: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema cohorts")
    con.execute("create table cohorts.custodial_snapshots as select 'K1' as person_key, 3 as days_in_custody")
    con.execute("create schema public")
    con.execute(public_sql)
    con.close()
    return path


@pytest.mark.rules("R-PUB-1")
def test_only_the_public_schema_is_published(tmp_path):
    warehouse = _warehouse(
        tmp_path / "w.duckdb",
        "create table public.pub_custody as select 2022 as snapshot_year, 'DOC' as agency_code, 12 as record_count",
    )
    release = publish(warehouse, tmp_path / "out")
    con = duckdb.connect(str(release.database), read_only=True)
    tables = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    con.close()
    assert tables == [("public", "pub_custody")]
    assert sorted(p.name for p in release.parquet_dir.iterdir()) == ["pub_custody.parquet"]


@pytest.mark.rules("R-PUB-1")
@pytest.mark.parametrize(
    "column", ["person_key", "sid", "birth_date", "docket_number", "admission_date", "ims_offender_id"]
)
def test_a_person_level_column_in_the_public_schema_stops_publication(tmp_path, column):
    warehouse = _warehouse(tmp_path / "w.duckdb", f"create table public.pub_leak as select 'x' as {column}")
    with pytest.raises(PublishError, match=f"pub_leak.{column}"):
        publish(warehouse, tmp_path / "out")
    assert not (tmp_path / "out" / "crosstrack_public.duckdb").exists()


def test_aggregate_column_names_are_not_mistaken_for_person_level():
    columns = {"pub_x": ["snapshot_date", "release_year", "record_count", "age_group", "is_suppressed"]}
    assert person_level_columns(columns) == []


def test_a_reader_of_the_old_release_is_not_disturbed_by_a_new_one(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb", "create table public.pub_a as select 1 as record_count")
    first = publish(warehouse, tmp_path / "out")
    reader = duckdb.connect(str(first.database), read_only=True)
    con = duckdb.connect(str(warehouse))
    con.execute("create or replace table public.pub_a as select 2 as record_count")
    con.close()
    publish(warehouse, tmp_path / "out")
    assert reader.execute("select record_count from public.pub_a").fetchall() == [(1,)]
    reader.close()
    fresh = duckdb.connect(str(first.database), read_only=True)
    assert fresh.execute("select record_count from public.pub_a").fetchall() == [(2,)]
    fresh.close()
    assert not (tmp_path / "out" / "crosstrack_public.next.duckdb").exists()


def test_the_same_rows_in_another_order_are_published_as_the_same_files(tmp_path):
    # A build aggregates in parallel, so two builds of one delivery can store a table's rows in different orders.
    values = [(year, agency, count) for year in (2021, 2022) for agency in ("DOC", "HOC", None) for count in (5, 9)]
    rows = ", ".join(f"({year}, {'null' if agency is None else repr(agency)}, {n})" for year, agency, n in values)
    table = "create table public.pub_custody as select * from (values {}) as t(snapshot_year, agency_code, n)"
    published = []
    for name, order in (("forward", "order by all"), ("backward", "order by all desc")):
        warehouse = _warehouse(tmp_path / f"{name}.duckdb", table.format(rows) + f" {order}")
        published.append(publish(warehouse, tmp_path / name).parquet_dir / "pub_custody.parquet")
    assert published[0].read_bytes() == published[1].read_bytes()


@pytest.mark.rules("R-PUB-1")
def test_what_the_contract_marks_is_person_level_and_what_it_leaves_unmarked_is_not():
    # R-PUB-1: the landing contract decides, under the staged names: every column it marks pii, a primary
    # key, an exact date; a code or a count it leaves unmarked does not stop publication.
    pii = sorted({c.staged_as for f in load_contract().files for c in f.columns if c.pii})
    assert pii
    assert person_level_columns({"pub_x": pii}) == [f"pub_x.{name}" for name in pii]
    assert person_level_columns({"pub_x": ["parolee_id", "release_date"]}) == ["pub_x.parolee_id", "pub_x.release_date"]
    assert person_level_columns({"pub_x": ["race_code", "charge_number", "statute_citation"]}) == []


# ---- the delivery's checksums travel with the warehouse ----------------------------------------------------------


@pytest.mark.warehouse
def test_a_built_warehouse_is_published_with_its_delivery_checksums_without_the_landing(built_warehouse, tmp_path):
    # The build copies the gate's manifest into the warehouse (delivery.manifest): no --landing needed.
    landing = delivery_checksums(built_warehouse.landing)
    assert len(landing) > 20
    carried = recorded_manifest(built_warehouse.database)
    assert {name: facts["sha256"] for name, facts in carried.items()} == landing
    out = tmp_path / "public"
    command = ["publish", "--warehouse", str(built_warehouse.database), "--publish-dir", str(out)]
    assert main([*command, "--restricted-reports", str(tmp_path / "restricted")]) == 0
    (release,) = list_releases(out)
    assert release.record["delivery_checksums"] == landing


@pytest.mark.warehouse
def test_a_landing_that_differs_from_the_warehouse_manifest_is_refused_naming_the_file(
    built_warehouse, tmp_path, capsys
):
    copy = tmp_path / "landing"
    shutil.copytree(built_warehouse.landing, copy)
    changed = sorted(path for path in copy.rglob("*.csv"))[0]
    with changed.open("a", encoding="utf-8") as handle:
        handle.write("\n")
    out = tmp_path / "public"
    command = ["publish", "--warehouse", str(built_warehouse.database), "--publish-dir", str(out)]
    assert main([*command, "--landing", str(copy), "--restricted-reports", str(tmp_path / "restricted")]) == 2
    error = capsys.readouterr().err
    assert changed.relative_to(copy).as_posix() in error and "delivery.manifest" in error
    shutil.copyfile(built_warehouse.landing / changed.relative_to(copy), changed)
    missing = sorted(path for path in copy.rglob("*.csv"))[-1]
    missing.unlink()
    (copy / "ims" / "NOT_IN_THE_CONTRACT.txt").write_text("ignored by the gate, ignored here\n", encoding="utf-8")
    assert main([*command, "--landing", str(copy), "--restricted-reports", str(tmp_path / "restricted")]) == 2
    error = capsys.readouterr().err
    assert f"{missing.relative_to(copy).as_posix()} is not in the delivery given" in error
    assert "NOT_IN_THE_CONTRACT" not in error
    assert list_releases(out) == []
    # the delivery itself passes the check
    assert main([*command, "--landing", str(built_warehouse.landing), "--restricted-reports", str(tmp_path / "r")]) == 0
