"""Reports as products (R-RPT-1, R-RPT-2): `crosstrack report quarterly-recidivism` writes the public report from
the published release's protected values, `crosstrack report sid-capture` the restricted one from the warehouse,
labelled restricted and refused inside a publish folder."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from crosstrack.cli import main
from crosstrack.quality.sid_capture import sid_capture_report
from crosstrack.reports.quarterly_recidivism import DIMENSIONS, WITHHELD

pytestmark = pytest.mark.warehouse
THRESHOLD = 5  # R-PUB-2
# What the report shows per breakdown: the cube's grouping set and the column holding the breakdown's value.
BREAKDOWNS = {"": "'All'", "race": "race", "ethnicity": "ethnicity", "gender_identity": "gender_identity"}
BREAKDOWNS["age_group"] = "age_group"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def published(value: object) -> str:
    return WITHHELD if value is None else str(value)


@pytest.fixture(scope="module")
def public_report(built_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public_report")
    code = main(
        ["report", "quarterly-recidivism", "--public-db", str(built_warehouse.public_database), "--out", str(out)]
    )
    assert code == 0
    return out


def test_the_public_report_is_dated_by_the_release(public_report: Path, built_warehouse) -> None:
    as_of = built_warehouse.as_of
    assert sorted(path.name for path in public_report.iterdir()) == [
        f"quarterly_recidivism_{as_of}.csv",
        f"quarterly_recidivism_{as_of}.html",
    ]


@pytest.mark.rules("R-RPT-1", "R-RCD-1")
def test_the_public_report_holds_exactly_the_published_values(public_report: Path, built_warehouse) -> None:
    # R-RPT-1, R-PUB-4: every number is the published cell's, every published cell of the breakdowns is there.
    labels = {label: name for name, label in DIMENSIONS.items()}
    report = {
        (row["release_year"], row["followup_years"], labels[row["dimension"]], row["dimension_value"]): (
            row["releases_followed"],
            row["rearraignment_rate"],
            row["reconviction_rate"],
            row["reincarceration_rate"],
        )
        for row in read_csv(next(public_report.glob("*.csv")))
    }
    selects = " union all ".join(
        f"select release_year, followup_years, dimensions, {value} as value, record_count, rearraignment_rate, "
        f"reconviction_rate, reincarceration_rate from public.pub_recidivism where dimensions = '{name}'"
        for name, value in BREAKDOWNS.items()
    )
    with duckdb.connect(str(built_warehouse.public_database), read_only=True) as con:
        cells = con.execute(selects).fetchall()
    expected = {
        (str(year), str(followup), dims, value): tuple(published(v) for v in values)
        for year, followup, dims, value, *values in cells
    }
    assert len(expected) > 50, "the test release has recidivism cells to report"
    assert report == expected
    shown = [int(count) for count, *_ in report.values() if count != WITHHELD]
    assert shown and min(shown) >= THRESHOLD
    assert any(count == WITHHELD for count, *_ in report.values()), "suppressed cells read 'suppressed', never 0"


def test_the_public_report_page_is_labelled_public_and_loads_nothing(public_report: Path) -> None:
    page = next(public_report.glob("*.html")).read_text(encoding="utf-8")
    assert '<meta name="crosstrack-access" content="public">' in page and "PUBLIC" in page
    assert page.count("<svg") == 3  # a chart per measure
    assert "<polyline" in page, "the charts draw the published rates"
    assert "<script" not in page and not re.search(r"""(src|href)=["']?https?:""", page)


def test_the_public_report_defaults_to_the_publish_folder(built_warehouse, tmp_path: Path) -> None:
    publish = tmp_path / "public"
    publish.mkdir()
    shutil.copyfile(built_warehouse.public_database, publish / "crosstrack_public.duckdb")
    assert main(["report", "quarterly-recidivism", "--public-db", str(publish / "crosstrack_public.duckdb")]) == 0
    assert len(list((publish / "reports").glob("quarterly_recidivism_*.csv"))) == 1


@pytest.mark.rules("R-RPT-2")
def test_the_sid_capture_report_is_restricted_and_adds_up_to_the_yearly_counts(built_warehouse, tmp_path) -> None:
    # R-RPT-2: per system, agency and quarter; the quarters of a year add up to the year's counts.
    out = tmp_path / "restricted"
    assert main(["report", "sid-capture", "--warehouse", str(built_warehouse.database), "--out", str(out)]) == 0
    rows = read_csv(out / f"sid_capture_{built_warehouse.as_of}.csv")
    assert rows and {row["access"] for row in rows} == {"RESTRICTED"}
    assert {row["quarter"] for row in rows if row["year"]} <= {"1", "2", "3", "4"}
    assert len({row["quarter"] for row in rows}) > 1
    yearly: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        totals = yearly.setdefault((row["source_system"], row["agency"], row["year"]), [0, 0, 0])
        for index, name in enumerate(("records", "well_formed_sid", "agreeing_sid")):
            totals[index] += int(row[name])
    expected = {
        (r.source_system, r.agency, str(r.year or "")): [r.records, r.well_formed_sid, r.agreeing_sid]
        for r in sid_capture_report(built_warehouse.database)
    }
    assert yearly == expected
    page = (out / f"sid_capture_{built_warehouse.as_of}.html").read_text(encoding="utf-8")
    assert '<meta name="crosstrack-access" content="restricted">' in page
    assert "<title>SID capture report (RESTRICTED)</title>" in page and "Do not publish" in page


def test_the_sid_capture_report_is_refused_inside_a_publish_folder(built_warehouse, tmp_path, capsys) -> None:
    publish = tmp_path / "public"
    publish.mkdir()
    (publish / "crosstrack_public.duckdb").touch()
    code = main(["report", "sid-capture", "--warehouse", str(built_warehouse.database), "--out", str(publish / "r")])
    assert code == 2
    assert "inside the publish folder" in capsys.readouterr().err
    assert not (publish / "r").exists()
