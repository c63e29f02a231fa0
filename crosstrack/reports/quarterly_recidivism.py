"""The quarterly recidivism report (R-RPT-1): re-arraignment, reconviction and reincarceration rates at 1, 2 and 3
years after a sentenced release to the community (R-RCD-1..3), by release year, overall and by race, ethnicity,
gender (gender identity, R-SEX-1) and age group (R-AGE-1).

A public artefact (R-PUB-4), so it reads the published release's recidivism cube and computes nothing of its own:
every count and rate is the published one (suppressed, withheld and perturbed as everywhere else,
docs/public_layer.md), and a follow-up that has not passed by as_of is absent, not zero (R-RCD-3).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crosstrack.reports.page import Series, line_chart, page, table, write_report

RULES = ("R-RPT-1", "R-RCD-1")  # the rules of docs/rules.md this module implements

RELATION = "public.pub_recidivism"
# The report's breakdowns: the cube's grouping set ('' is every release) and the label the report gives it.
DIMENSIONS: dict[str, str] = {
    "": "All releases",
    "race": "Race",
    "ethnicity": "Ethnicity",
    "gender_identity": "Gender",
    "age_group": "Age group",
}
MEASURES: dict[str, str] = {
    "rearraignment_rate": "Re-arraignment",
    "reconviction_rate": "Reconviction",
    "reincarceration_rate": "Reincarceration",
}
COLUMNS = (
    "release_year",
    "followup_years",
    "dimension",
    "dimension_value",
    "releases_followed",
    *MEASURES,
    "is_suppressed",
)
# Shown where the release withholds a value (R-PUB-2): never 0, never blank.
WITHHELD = "suppressed"


@dataclass(frozen=True)
class Release:
    as_of: str
    published_at: str


def release_of(con: duckdb.DuckDBPyConnection) -> Release:
    as_of, published_at = con.execute("select as_of, published_at from public.pub_release").fetchone()
    return Release(as_of=str(as_of), published_at=str(published_at))


def report_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """One row per release year, follow-up and breakdown value, in the cube's published values."""
    selects = [
        f"select release_year, followup_years, '{label}' as dimension, "
        f"{name if name else repr('All')} as dimension_value, record_count as releases_followed, "
        f"{', '.join(MEASURES)}, is_suppressed from {RELATION} where dimensions = '{name}'"
        for name, label in DIMENSIONS.items()
    ]
    query = " union all ".join(selects) + " order by release_year, followup_years, dimension, dimension_value"
    cursor = con.execute(query)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def report_stem(release: Release) -> str:
    return f"quarterly_recidivism_{release.as_of}"


def _shown(value: object) -> object:
    return WITHHELD if value is None else value


def write_csv(rows: list[dict[str, object]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_shown(row[name]) for name in COLUMNS])


def _percent(value: object) -> str:
    return WITHHELD if value is None else f"{float(value):.1%}"  # type: ignore[arg-type]


def render_html(rows: list[dict[str, object]], release: Release) -> str:
    overall = [row for row in rows if row["dimension"] == DIMENSIONS[""]]
    charts = [
        line_chart(
            f"{label} within N years, all releases",
            [
                Series(
                    f"{followup} year{'s' if followup > 1 else ''}",
                    [(row["release_year"], row[measure]) for row in overall if row["followup_years"] == followup],
                )
                for followup in sorted({row["followup_years"] for row in overall})
            ],
        )
        for measure, label in MEASURES.items()
    ]
    header = ["release year", "follow-up (years)", "value", "releases followed", *MEASURES.values()]
    tables = [
        table(
            label,
            header,
            [
                [
                    row["release_year"],
                    row["followup_years"],
                    row["dimension_value"],
                    _shown(row["releases_followed"]),
                    *(_percent(row[measure]) for measure in MEASURES),
                ]
                for row in rows
                if row["dimension"] == label
            ],
        )
        for label in DIMENSIONS.values()
    ]
    intro = (
        f"Release as of {release.as_of}, published {release.published_at}. Rates of sentenced releases to the "
        "community followed for 1, 2 and 3 years; a follow-up that has not ended by the as-of date is absent. "
        "Every count and rate is the published, protected value: counts under the threshold and rates that would "
        f"disclose them are shown as '{WITHHELD}', shown counts carry a small random perturbation, so totals need "
        "not add up exactly."
    )
    return page("Quarterly recidivism report", "public", intro, ['<div class="charts">', *charts, "</div>", *tables])


def has_recidivism_cube(public_db: Path) -> bool:
    """The published file holds what the report reads: the release table and the recidivism cube with the
    report's columns."""
    needed = {"release_year", "followup_years", "dimensions", "record_count", *MEASURES, *DIMENSIONS} - {""}
    with duckdb.connect(str(public_db), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'public' "
            "and table_name in ('pub_recidivism', 'pub_release')"
        ).fetchall()
    tables = {table for table, _ in columns}
    return tables == {"pub_recidivism", "pub_release"} and needed <= {c for t, c in columns if t == "pub_recidivism"}


def write_quarterly_recidivism(public_db: Path, out_dir: Path) -> list[Path]:
    """`<out>/quarterly_recidivism_<as_of>.csv` and `.html` from the published release (opened read-only)."""
    with duckdb.connect(str(public_db), read_only=True) as con:
        release = release_of(con)
        rows = report_rows(con)
    return write_report(out_dir, report_stem(release), lambda path: write_csv(rows, path), render_html(rows, release))
