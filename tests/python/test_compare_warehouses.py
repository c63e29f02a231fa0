"""scripts/compare_warehouses.py: the check that a change left a build's rows alone (same rows, any order)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "compare_warehouses.py"
_spec = importlib.util.spec_from_file_location("compare_warehouses", SCRIPT)
compare_warehouses = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_warehouses)


def warehouse(path: Path, rows: list[tuple[int, str]], built_at: str = "2026-07-01") -> str:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.events (id integer, label varchar, built_at varchar)")
    con.executemany("insert into marts.events values (?, ?, ?)", [(*row, built_at) for row in rows])
    con.execute("create view marts.labels as select distinct label from marts.events")
    con.close()
    return str(path)


@pytest.fixture
def before(tmp_path: Path) -> str:
    return warehouse(tmp_path / "before.duckdb", [(1, "a"), (2, "b"), (2, "b")])


def test_the_same_rows_in_another_order_are_equal(before, tmp_path):
    after = warehouse(tmp_path / "after.duckdb", [(2, "b"), (1, "a"), (2, "b")])
    assert compare_warehouses.main([before, after]) == 0


def test_a_changed_or_lost_duplicate_row_is_reported_with_its_relation(before, tmp_path, capsys):
    after = warehouse(tmp_path / "after.duckdb", [(1, "a"), (2, "b"), (3, "c")])
    assert compare_warehouses.main([before, after]) == 1
    out = capsys.readouterr().out
    assert f"marts.events: 1 rows only in {before}, 1 only in {after}" in out
    assert f"marts.labels: 0 rows only in {before}, 1 only in {after}" in out


def test_an_ignored_column_may_differ_and_a_missing_relation_may_not(before, tmp_path, capsys):
    after = warehouse(tmp_path / "after.duckdb", [(1, "a"), (2, "b"), (2, "b")], built_at="2026-07-02")
    assert compare_warehouses.main([before, after]) == 1
    assert compare_warehouses.main([before, after, "--ignore-column", "built_at"]) == 0
    con = duckdb.connect(after)
    con.execute("drop view marts.labels")
    con.close()
    capsys.readouterr()
    assert compare_warehouses.main([before, after, "--ignore-column", "built_at"]) == 1
    assert f"marts.labels: only in {before}" in capsys.readouterr().out
