"""The restricted cells of the public cubes (macros/public_cells.sql, R-PUB-2, R-PUB-3) are the GROUPING SETS of
their records: every cell's count, statistics, cell keys and noise scales equal those of a GROUPING SETS query of
the same aggregates over the records, whatever way the model computes them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from crosstrack.contract.cubes import public_cubes


def grouping_sets_of(con: duckdb.DuckDBPyConnection, cube: dict) -> list[list[str]]:
    """The cube's grouping sets, as its cells name them (the partitions come on top)."""
    rows = con.execute(f"select distinct dimensions from publication.{cube['cells']}").fetchall()
    return [[name for name in dimensions.split(",") if name] for (dimensions,) in rows]


def cells_columns(cube: dict) -> list[str]:
    return [
        *(partition["name"] for partition in cube["partitions"]),
        *(dimension["name"] for dimension in cube["dimensions"]),
        *(metric["name"] for metric in cube["metrics"]),
        *(column["name"] for column in cube["protection_columns"]),
    ]


def grouping_sets_query(cube: dict, sets: list[list[str]]) -> str:
    """The cells as GROUPING SETS compute them: the cube's own aggregates, the median as DuckDB's median of the
    records' column."""
    partitions = [partition["name"] for partition in cube["partitions"]]
    dimensions = [dimension["name"] for dimension in cube["dimensions"]]
    aggregates = [
        f"quantile_cont({metric['median_of']}, 0.5)" if metric.get("median_of") else metric["sql"]
        for metric in cube["metrics"]
    ] + [column["sql"] for column in cube["protection_columns"]]
    grouping = ", ".join("(" + ", ".join(partitions + grouping_set) + ")" for grouping_set in sets)
    return (
        f"select {', '.join(partitions + dimensions + aggregates)} from publication.{cube['records']}"
        f" group by grouping sets ({grouping})"
    )


def cells_differing(database: Path, cohort: str) -> tuple[int, int, int]:
    """The cube's cells only in the model, only in GROUPING SETS (EXCEPT ALL both ways), and the cells in all."""
    cube = public_cubes()[cohort]
    with duckdb.connect(str(database), read_only=True) as con:
        reference = grouping_sets_query(cube, grouping_sets_of(con, cube))
        built = f"select {', '.join(cells_columns(cube))} from publication.{cube['cells']}"
        only_built, only_reference = (
            con.execute(f"select count(*) from ({first} except all {second})").fetchone()[0]
            for first, second in ((built, reference), (reference, built))
        )
        total = con.execute(f"select count(*) from publication.{cube['cells']}").fetchone()[0]
    return only_built, only_reference, total


@pytest.mark.rules("R-PUB-2", "R-PUB-3")
@pytest.mark.warehouse
@pytest.mark.parametrize("cohort", sorted(public_cubes()))
def test_every_cell_is_the_grouping_set_aggregate_of_its_records(built_warehouse, cohort):
    only_built, only_reference, total = cells_differing(built_warehouse.database, cohort)
    assert total > 0
    assert (only_built, only_reference) == (0, 0)


@pytest.mark.rules("R-PUB-2", "R-PUB-3")
@pytest.mark.warehouse
def test_a_missing_label_makes_a_cell_of_its_own_never_joins_the_total(warehouse_copies, tmp_path):
    """A record with no label in a dimension is a cell of that dimension's grouping sets (as GROUPING SETS keeps
    it), not one more record of the cell that does not group on the dimension."""
    cube = public_cubes()["risk_and_needs"]

    def unlabel_one_record(copy: Path) -> None:
        with duckdb.connect(str(copy)) as con:
            con.execute(
                f"update publication.{cube['records']} set race = null"
                f" where record_key = (select min(record_key) from publication.{cube['records']})"
            )

    copy, completed = warehouse_copies.run(tmp_path, ["run"], "--select", cube["cells"], prepare=unlabel_one_record)
    assert completed.returncode == 0, completed.stdout[-3000:]
    only_built, only_reference, total = cells_differing(copy, "risk_and_needs")
    assert total > 0
    assert (only_built, only_reference) == (0, 0)
