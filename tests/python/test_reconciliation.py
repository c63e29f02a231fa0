"""R-EX-2 through the marts: every landing row is in a mart, excluded with a reason, or rejected with one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytestmark = [pytest.mark.warehouse, pytest.mark.rules("R-EX-2")]


def _rows(database, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_file_is_accounted_for_and_most_rows_reach_the_marts(built_warehouse):
    by_disposition = dict(
        _rows(
            built_warehouse.database,
            "select disposition, sum(row_count) from restricted.landing_reconciliation group by 1",
        )
    )
    landing = _rows(built_warehouse.database, "select sum(landing_rows) from staging.stg_landing__row_counts")[0][0]
    assert sum(by_disposition.values()) == landing
    assert by_disposition["in_marts"] / landing > 0.99
    files = _rows(
        built_warehouse.database,
        "select count(distinct file_name || source_system) from restricted.landing_reconciliation",
    )
    assert files[0][0] == 31


def test_every_excluded_or_rejected_row_has_a_reason(built_warehouse):
    unexplained = _rows(
        built_warehouse.database,
        "select count(*) from restricted.landing_reconciliation "
        "where disposition <> 'in_marts' and coalesce(reason, '') = ''",
    )
    assert unexplained == [(0,)]


def _lose_a_row(tampered: Path) -> None:
    con = duckdb.connect(str(tampered))
    con.execute(
        "create or replace table restricted.landing_reconciliation as "
        "select * replace (case when disposition = 'in_marts' and file_name = 'IMS_ADMISSION.csv' "
        "then row_count - 1 else row_count end as row_count) from restricted.landing_reconciliation"
    )
    con.close()


def test_a_row_lost_between_staging_and_the_marts_fails_the_build(warehouse_copies, tmp_path):
    _, completed = warehouse_copies.run(
        tmp_path, ["test"], "--select", "assert_every_landing_row_is_accounted_for", prepare=_lose_a_row
    )
    assert completed.returncode != 0
    assert "assert_every_landing_row_is_accounted_for" in completed.stdout


def test_the_gate_report_reads_in_marts_and_exclusions_from_the_warehouse(built_warehouse):
    from crosstrack.quality.reconcile import reconcile

    results = reconcile(built_warehouse.database, built_warehouse.quality)
    assert all(r.balanced for r in results)
    assert all(r.in_marts is not None for r in results)
    assert (
        sum(r.in_marts for r in results)
        == _rows(
            built_warehouse.database,
            "select sum(row_count) from restricted.landing_reconciliation where disposition = 'in_marts'",
        )[0][0]
    )
