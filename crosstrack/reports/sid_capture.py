"""The SID capture report (R-RPT-2), RESTRICTED: per system, agency and quarter of first activity, the share of
records delivered with a usable (well-formed) SID and with a correct one (agreeing with the person the record was
linked to).

The counts are read through crosstrack/quality/sid_capture.py from their one definition, the dbt model
`restricted.sid_capture_summary`; this module only lays them out as a dated CSV and an HTML page labelled
restricted. They are unprotected operational counts (small cells included), so the report is never published:
it is written outside the publish folder and the docs site. Each publication archives the report of the warehouse
it published under the release's id (`archive_sid_capture`): `restricted_reports/<release_id>/` beside the
warehouse, owner-only (folders 0700, files 0600).
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

import duckdb

from crosstrack.quality.sid_capture import CSV_HEADER, SidCaptureRow, csv_fields, sid_capture
from crosstrack.reports.page import Series, line_chart, page, table, write_report

ACCESS = "restricted"
PUBLIC_DB_NAME = "crosstrack_public.duckdb"  # what marks a publish folder (crosstrack/publish.py's DATABASE_NAME)
RESTRICTED_REPORTS = "restricted_reports"  # the archive's folder, beside the warehouse
# The yearly report's columns (crosstrack validate --sid-capture), then the quarter and the access label.
COLUMNS = (*CSV_HEADER, "quarter", "access")


def warehouse_as_of(con: duckdb.DuckDBPyConnection) -> str:
    """The as_of the warehouse was built for (its release table), which dates the report."""
    return str(con.execute("select as_of from public.pub_release").fetchone()[0])


def write_csv(rows: list[SidCaptureRow], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows([*csv_fields(r), r.quarter or "", ACCESS.upper()] for r in rows)


CHART_YEARS = 5  # the chart shows the last five years of first activity; the table shows every year


def shares_by_system(rows: list[SidCaptureRow]) -> dict[str, list[tuple[float, float | None]]]:
    """Per system, (year + (quarter - 1) / 4, share of records with a correct SID) over its agencies, for the last
    CHART_YEARS years."""
    totals: dict[str, dict[float, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    last = max((r.year for r in rows if r.year is not None), default=0)
    for r in rows:
        if r.year is None or r.quarter is None or r.year <= last - CHART_YEARS:
            continue
        cell = totals[r.source_system][r.year + (r.quarter - 1) / 4]
        cell[0] += r.records
        cell[1] += r.agreeing_sid or 0
    return {
        system: [(x, agreeing / records if records else None) for x, (records, agreeing) in sorted(points.items())]
        for system, points in sorted(totals.items())
    }


def render_html(rows: list[SidCaptureRow], as_of: str) -> str:
    chart = line_chart(
        f"Share of records with a correct SID, by quarter of first activity (last {CHART_YEARS} years)",
        [Series(system, points) for system, points in shares_by_system(rows).items()],
        width=760,
    )
    header = ["system", "agency", "year", "quarter", "records", "with SID", "well-formed", "share", "correct", "share"]
    body = [
        [
            r.source_system,
            r.agency,
            r.year or "-",
            r.quarter or "-",
            r.records,
            r.with_sid,
            r.well_formed_sid,
            f"{r.well_formed_share:.1%}",
            r.agreeing_sid,
            "-" if r.agreeing_share is None else f"{r.agreeing_share:.1%}",
        ]
        for r in rows
    ]
    intro = (
        f"Warehouse built as of {as_of}. Per source system, agency and quarter of the record's first activity: the "
        "person-bearing records delivered, those with a SID, those whose SID is well-formed (usable) and those "
        "whose SID agrees with the person the record was linked to (correct). Unprotected counts."
    )
    return page("SID capture report", ACCESS, intro, [chart, table("By system, agency and quarter", header, body)])


def write_sid_capture_report(database: Path, out_dir: Path) -> list[Path]:
    """`<out>/sid_capture_<as_of>.csv` and `.html` from the warehouse (opened read-only)."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = sid_capture(con, by_quarter=True)
        as_of = warehouse_as_of(con)
    if not rows:
        raise LookupError(f"{database} has no restricted.sid_capture_summary; build the warehouse with dbt first")
    return write_report(out_dir, f"sid_capture_{as_of}", lambda path: write_csv(rows, path), render_html(rows, as_of))


def inside_publish_folder(folder: Path) -> Path | None:
    """The publish folder (one holding a published release) that `folder` is or lies in, if any."""
    resolved = folder.resolve()
    for candidate in (resolved, *resolved.parents):
        if (candidate / PUBLIC_DB_NAME).exists():
            return candidate
    return None


def restricted_reports_dir(warehouse: Path) -> Path:
    """The archive of the restricted reports: `restricted_reports/` beside the warehouse."""
    return warehouse.parent / RESTRICTED_REPORTS


def check_restricted_folder(folder: Path, publish_dir: Path | None = None) -> None:
    """Refuse a folder for restricted reports that is, or lies in, a publish folder (ValueError naming both)."""
    publish_folder = inside_publish_folder(folder)
    if publish_folder is None and publish_dir is not None:
        inside = folder.resolve().is_relative_to(publish_dir.resolve())
        publish_folder = publish_dir if inside else None
    if publish_folder is not None:
        raise ValueError(f"{folder}: inside the publish folder {publish_folder}; the SID capture report is restricted")


def has_sid_capture(database: Path) -> bool:
    """The warehouse holds the SID capture summary the report reads (a warehouse dbt built does)."""
    with duckdb.connect(str(database), read_only=True) as con:
        (found,) = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'restricted' "
            "and table_name = 'sid_capture_summary'"
        ).fetchone()
    return bool(found)


def archive_sid_capture(
    database: Path, release_id: str, root: Path | None = None, publish_dir: Path | None = None
) -> list[Path]:
    """The SID capture report of the warehouse published as `release_id`, into `<root>/<release_id>/` (default
    root: restricted_reports/ beside the warehouse), owner-only (folders 0700, files 0600). Raises ValueError when
    the folder lies in a publish folder, LookupError when the warehouse has no SID capture summary."""
    root = root if root is not None else restricted_reports_dir(database)
    check_restricted_folder(root, publish_dir)
    folder = root / release_id
    for path in (root, folder):
        path.mkdir(exist_ok=True)
        os.chmod(path, 0o700)
    written = write_sid_capture_report(database, folder)
    for path in written:
        os.chmod(path, 0o600)
    return written
