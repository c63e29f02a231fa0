"""Reports as products (R-RPT-1, R-RPT-2): `crosstrack report quarterly-recidivism` writes the public report from
the published release's protected values, `crosstrack report sid-capture` the restricted one from the warehouse,
labelled restricted and refused inside a publish folder. Publication archives the public report inside the release
(listed with its sha256, offered in its downloads) and the restricted one per release id outside the publish
folder, owner-only."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import stat
import urllib.request
from pathlib import Path

import duckdb
import pytest
from live_server import free_port, served_settings, serving

from crosstrack.api import create_app
from crosstrack.cli import main
from crosstrack.publish import PublishError, publish
from crosstrack.quality.sid_capture import sid_capture_report
from crosstrack.releases import current_id, get_release
from crosstrack.reports.quarterly_recidivism import DIMENSIONS, WITHHELD, write_quarterly_recidivism

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


def test_the_public_report_command_lists_the_release_archive_and_writes_only_elsewhere(
    built_warehouse, tmp_path: Path, capsys
) -> None:
    published = built_warehouse.published
    release = get_release(published, current_id(published))
    before = {path: path.read_bytes() for path in release.folder.rglob("*") if path.is_file()}
    assert main(["report", "quarterly-recidivism", "--public-db", str(built_warehouse.public_database)]) == 0
    listed = capsys.readouterr().out
    assert f"archived with release {release.id}" in listed
    assert all(str(path) in listed for path in release.reports())
    assert {path: path.read_bytes() for path in release.folder.rglob("*") if path.is_file()} == before
    assert not (published / "reports").exists()
    # a published file outside any release folder has no archive: the command asks where to write
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copyfile(built_warehouse.public_database, plain / "crosstrack_public.duckdb")
    assert main(["report", "quarterly-recidivism", "--public-db", str(plain / "crosstrack_public.duckdb")]) == 2
    assert "give --out DIR" in capsys.readouterr().err
    assert sorted(path.name for path in plain.iterdir()) == ["crosstrack_public.duckdb"]


@pytest.mark.rules("R-RPT-1")
def test_each_release_archives_its_public_report_listed_with_sha256_and_downloadable(
    built_warehouse, tmp_path: Path
) -> None:
    # The report the publication sealed into the release is the report of the release's own file, byte for byte.
    release = get_release(built_warehouse.published, current_id(built_warehouse.published))
    as_of = built_warehouse.as_of
    names = [f"reports/quarterly_recidivism_{as_of}.csv", f"reports/quarterly_recidivism_{as_of}.html"]
    assert sorted(release.record["reports"]) == names
    for name, digest in release.record["reports"].items():
        archived = release.folder / name
        assert hashlib.sha256(archived.read_bytes()).hexdigest() == digest
        assert not archived.stat().st_mode & 0o222, "a release is never written again"
        offered = release.folder / "downloads" / archived.name
        assert os.path.samefile(offered, archived), "the downloads offer the archived file itself"
    fresh = write_quarterly_recidivism(release.database, tmp_path / "fresh")
    assert {path.name: path.read_bytes() for path in fresh} == {
        path.name: path.read_bytes() for path in release.reports()
    }
    port = free_port()
    app = create_app(served_settings(tmp_path, built_warehouse.public_database, port))
    with serving(app, port) as base:
        with urllib.request.urlopen(f"{base}/api/releases", timeout=30) as answer:
            (listed,) = [entry for entry in json.loads(answer.read()) if entry["id"] == release.id]
        offered = {download["name"]: download for download in listed["downloads"]}
        for path in release.reports():
            assert offered[path.name]["format"] == path.suffix.lstrip(".")
            with urllib.request.urlopen(offered[path.name]["url"], timeout=30) as answer:
                assert answer.read() == path.read_bytes()


@pytest.mark.rules("R-RPT-2")
def test_the_restricted_report_is_archived_per_release_outside_the_publish_folder(built_warehouse, tmp_path) -> None:
    published = built_warehouse.published
    release_id = current_id(published)
    folder = built_warehouse.database.parent / "restricted_reports" / release_id
    assert sorted(path.name for path in folder.iterdir()) == [
        f"sid_capture_{built_warehouse.as_of}.csv",
        f"sid_capture_{built_warehouse.as_of}.html",
    ]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()} == {0o600}
    assert (
        '<meta name="crosstrack-access" content="restricted">'
        in (folder / f"sid_capture_{built_warehouse.as_of}.html").read_text()
    )
    for path in (path for path in published.rglob("*") if path.is_file()):
        assert "sid_capture" not in path.name, path
        assert b'content="restricted"' not in path.read_bytes(), path
    # the command archives a release's report the same way
    out = tmp_path / "restricted"
    command = ["report", "sid-capture", "--warehouse", str(built_warehouse.database), "--out", str(out)]
    assert main([*command, "--release", release_id]) == 0
    assert sorted(path.read_bytes() for path in (out / release_id).iterdir()) == sorted(
        path.read_bytes() for path in folder.iterdir()
    )
    assert {stat.S_IMODE(path.stat().st_mode) for path in (out / release_id).iterdir()} == {0o600}


def test_publication_refuses_a_restricted_folder_inside_the_publish_folder(built_warehouse, tmp_path, with_secret):
    out = tmp_path / "public"
    with pytest.raises(PublishError, match="inside the publish folder"):
        publish(built_warehouse.database, out, restricted_dir=out / "restricted")
    assert not (out / "releases").exists() and not (out / "restricted").exists()


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
