"""Utility of a public release: per cube, how many cells are shown and how far each shown value is from the truth.

The other side of disclosure control (R-PUB-4, docs/public_layer.md): suppression hides cells, perturbation moves
values. Reads the published cubes (the public file) and the true values of the same cells (the restricted cells
models of the warehouse), joined on the cell's position. Used by scripts/measure_utility.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

# The restricted cells model that holds the true values of each cohort's cube (macros/public_cells.sql).
CELLS_MODELS = {
    "custodial": "int_public_custodial_cells",
    "admissions": "int_public_admission_cells",
    "releases": "int_public_release_cells",
    "recidivism": "int_public_recidivism_cells",
    "risk_and_needs": "int_public_risk_cells",
}


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


def measure(warehouse: Path, public: Path) -> list[MetricUtility]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{public}' as pub (read_only)")
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        cohorts = con.execute("select cohort, table_name, partition_columns from pub.public.pub_cohorts").fetchall()
        results = []
        for cohort, table, partitions in cohorts:
            dimensions = [
                name
                for (name,) in con.execute(
                    "select distinct dimension from pub.public.pub_dimensions where cohort = ? and not is_partition",
                    [cohort],
                ).fetchall()
            ]
            position = [*partitions.split(","), "dimensions", *dimensions]
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
                        join wh.intermediate."{CELLS_MODELS[cohort]}" as t on {join}
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
