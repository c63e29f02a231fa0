"""SID capture report (R-RPT-2): per agency and year, the share of person records carrying a SID that is
present and well-formed, and that agrees with the person the record is linked to.

The definition lives in one place, the dbt model `restricted.sid_capture_summary` (agency, year of first activity,
well-formed per the dbt var `sid_pattern`, agreement per the identity model); this module reads a built warehouse
(read-only), prints the report and writes it as CSV.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

RULES = ("R-RPT-2",)  # the rules of docs/rules.md this module implements

SUMMARY_RELATION = "restricted.sid_capture_summary"


@dataclass(frozen=True)
class SidCaptureRow:
    source_system: str
    agency: str
    year: int | None
    records: int
    with_sid: int
    well_formed_sid: int
    agreeing_sid: int | None
    quarter: int | None = None  # 1-4 when read by quarter

    @property
    def well_formed_share(self) -> float:
        return self.well_formed_sid / self.records if self.records else 0.0

    @property
    def agreeing_share(self) -> float | None:
        return None if self.agreeing_sid is None else (self.agreeing_sid / self.records if self.records else 0.0)


def _relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, _, name = relation.partition(".")
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    rows = con.execute(query, [schema, name]).fetchall()
    return bool(rows and rows[0][0])


def sid_capture(con: duckdb.DuckDBPyConnection, by_quarter: bool = False) -> list[SidCaptureRow]:
    """Per system, agency and year (and quarter, `by_quarter`) of first activity: records, with a SID, well-formed,
    agreeing with the person."""
    if not _relation_exists(con, SUMMARY_RELATION):
        return []
    quarter = "activity_quarter" if by_quarter else "null::integer"
    result = con.execute(
        f"select source_system, agency_code, activity_year, {quarter} as quarter, sum(record_count), "
        "sum(records_with_sid), sum(records_with_well_formed_sid), sum(records_with_consistent_sid) "
        f"from {SUMMARY_RELATION} group by all order by 1, 2, 3 nulls last, 4 nulls last"
    ).fetchall()
    return [
        SidCaptureRow(
            source_system=r[0],
            agency=r[1],
            year=None if r[2] is None else int(r[2]),
            quarter=None if r[3] is None else int(r[3]),
            records=int(r[4]),
            with_sid=int(r[5]),
            well_formed_sid=int(r[6]),
            agreeing_sid=int(r[7]),
        )
        for r in result
    ]


def sid_capture_report(database: Path, by_quarter: bool = False) -> list[SidCaptureRow]:
    with duckdb.connect(str(database), read_only=True) as con:
        return sid_capture(con, by_quarter)


def format_sid_capture(rows: list[SidCaptureRow]) -> str:
    lines = ["system      agency       year  records  with SID  well-formed  share   agrees with linked person"]
    for r in rows:
        agrees = "not yet available" if r.agreeing_share is None else f"{r.agreeing_share:6.1%}"
        lines.append(
            f"{r.source_system:<11} {r.agency:<12} {r.year or '-':<5} {r.records:>7}  {r.with_sid:>8}  "
            f"{r.well_formed_sid:>11}  {r.well_formed_share:6.1%}  {agrees}"
        )
    return "\n".join(lines)


CSV_HEADER = (
    "source_system",
    "agency",
    "year",
    "records",
    "with_sid",
    "well_formed_sid",
    "well_formed_share",
    "agreeing_sid",
    "agreeing_share",
)


def csv_fields(r: SidCaptureRow) -> list[object]:
    """A row's fields under CSV_HEADER (the agency code formula-neutralised)."""
    from crosstrack.quality.rows import neutralize

    agreeing = "not yet available" if r.agreeing_sid is None else r.agreeing_sid
    share = "not yet available" if r.agreeing_share is None else f"{r.agreeing_share:.4f}"
    return [
        r.source_system,
        neutralize(r.agency),
        r.year or "",
        r.records,
        r.with_sid,
        r.well_formed_sid,
        f"{r.well_formed_share:.4f}",
        agreeing,
        share,
    ]


def write_sid_capture(rows: list[SidCaptureRow], out_dir: Path) -> Path:
    """DIR/sid_capture.csv: one line per system, agency and year."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "sid_capture.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_fields(r) for r in rows)
    return path


def run_sid_capture(database: Path, out_dir: Path) -> int:
    """`crosstrack validate --sid-capture DB --out DIR`: print the report and write DIR/sid_capture.csv."""
    if not database.is_file():
        from crosstrack.cli import CliError

        raise CliError(f"--sid-capture {database}: no such warehouse file")
    rows = sid_capture_report(database)
    if not rows:
        from crosstrack.cli import CliError

        raise CliError(f"--sid-capture {database}: the warehouse has no {SUMMARY_RELATION}; build it with dbt first")
    print(format_sid_capture(rows))
    print(f"written: {write_sid_capture(rows, out_dir)}")
    return 0
