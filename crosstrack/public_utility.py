"""Utility of a public release: per cube, how many cells are shown and how far each shown value is from the truth.

The other side of disclosure control (R-PUB-4, docs/public_layer.md): suppression hides cells, perturbation moves
values. Reads the published cubes (the public file) and the true values of the same cells (the restricted cells
models of the warehouse), joined on the cell's position. Used by scripts/measure_utility.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from crosstrack.contract.cubes import public_cubes

# The warehouse schema of the publication layer (models/publication/, dbt_project.yml): the restricted records and
# cells that the public cubes are computed from.
PUBLICATION_SCHEMA = "publication"

# The restricted cells model that holds the true values of each cohort's cube (crosstrack/contract/cubes.yml).
CELLS_MODELS = {cohort: cube["cells"] for cohort, cube in public_cubes().items()}


@dataclass(frozen=True)
class MetricUtility:
    cohort: str
    metric: str
    unit: str
    cells: int
    shown: int  # cells whose value is published (not null)
    mean_relative_error: float | None  # over shown values with a true value > 0
    median_relative_error: float | None
    large_cell_relative_error: float | None  # the same over cells of at least 100 records

    @property
    def shown_share(self) -> float:
        return self.shown / self.cells if self.cells else 0.0


def _attached(warehouse: Path, public: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"attach '{public}' as pub (read_only)")
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    return con


def _cube_position(con: duckdb.DuckDBPyConnection, cohort: str, partitions: str) -> list[str]:
    """The columns that place a cell: partition columns, `dimensions` and the dimension columns."""
    dimensions = [
        name
        for (name,) in con.execute(
            "select distinct dimension from pub.public.pub_dimensions where cohort = ? and not is_partition", [cohort]
        ).fetchall()
    ]
    return [*partitions.split(","), "dimensions", *dimensions]


def paired_cells(warehouse: Path, public: Path) -> dict[str, list[dict]]:
    """Every published cell of every cube beside its truth: per cohort, one dict per cell with `published.<metric>`
    and `true.<metric>` for every metric of the cube, the cell's key columns (`record_fingerprint`, `<metric>_key`)
    and its position (`partition`, `dimensions`)."""
    con = _attached(warehouse, public)
    try:
        paired: dict[str, list[dict]] = {}
        for cohort, table, partitions in con.execute(
            "select cohort, table_name, partition_columns from pub.public.pub_cohorts"
        ).fetchall():
            position = _cube_position(con, cohort, partitions)
            join = " and ".join(f'p."{name}" is not distinct from t."{name}"' for name in position)
            metrics = [
                m
                for (m,) in con.execute(
                    "select metric from pub.public.pub_metrics where cohort = ?", [cohort]
                ).fetchall()
            ]
            cells_model = f'wh.{PUBLICATION_SCHEMA}."{CELLS_MODELS[cohort]}"'
            truth_columns = [column[0] for column in con.execute(f"select * from {cells_model} limit 0").description]
            keys = [name for name in truth_columns if name == "record_fingerprint" or name.endswith("_key")]
            keys.remove("partition_key")
            select = ", ".join(
                ["t.partition_key as partition", "p.dimensions as dimensions"]
                + [f'p."{m}" as "published.{m}", t."{m}" as "true.{m}"' for m in metrics]
                + [f't."{k}" as "{k}"' for k in keys]
            )
            cursor = con.execute(f'select {select} from pub.public."{table}" as p join {cells_model} as t on {join}')
            names = [column[0] for column in cursor.description]
            paired[cohort] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return paired
    finally:
        con.close()


def measure(warehouse: Path, public: Path) -> list[MetricUtility]:
    con = _attached(warehouse, public)
    try:
        cohorts = con.execute("select cohort, table_name, partition_columns from pub.public.pub_cohorts").fetchall()
        results = []
        for cohort, table, partitions in cohorts:
            position = _cube_position(con, cohort, partitions)
            join = " and ".join(f'p."{name}" is not distinct from t."{name}"' for name in position)
            metrics = con.execute(
                "select metric, unit from pub.public.pub_metrics where cohort = ? order by metric_order", [cohort]
            ).fetchall()
            for metric, unit in metrics:
                row = con.execute(
                    f"""
                    with paired as (
                        select p."{metric}" as published, t."{metric}" as truth, t.record_count
                        from pub.public."{table}" as p
                        join wh.{PUBLICATION_SCHEMA}."{CELLS_MODELS[cohort]}" as t on {join}
                    ),
                    errors as (
                        select abs(published - truth) / truth as error, record_count
                        from paired where published is not null and truth > 0
                    )
                    select
                        (select count(*) from paired),
                        (select count(*) from paired where published is not null),
                        (select avg(error) from errors),
                        (select median(error) from errors),
                        (select avg(error) from errors where record_count >= 100)
                    """
                ).fetchall()[0]
                results.append(MetricUtility(cohort, metric, unit, *row))
        return results
    finally:
        con.close()


def format_table(results: list[MetricUtility]) -> str:
    def percent(value: float | None) -> str:
        return "" if value is None else f"{value:.2%}"

    lines = [
        "| cube | metric | cells | shown | mean rel. error | median rel. error | rel. error, cells >= 100 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.cohort} | {r.metric} | {r.cells:,} | {r.shown_share:.1%} | {percent(r.mean_relative_error)} | "
            f"{percent(r.median_relative_error)} | {percent(r.large_cell_relative_error)} |"
        )
    return "\n".join(lines)
