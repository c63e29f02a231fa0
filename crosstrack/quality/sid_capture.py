"""SID capture report (SPEC R-RPT-2): per agency and year, the share of person records carrying a SID that is
present and well-formed, and, once the identity model exists, that agrees with the person the record is linked to.

Agency: the source system's agency (DOC, Trial Court, Parole, Probation), and for OMS and JMS the Sheriff's
Office (the person file's site / agency code).
Year: the year the record entered the system: for a file with its own required event date (MassCourts dockets:
filing date) that date; otherwise the earliest required date of the first file that references the person
file's key (IMS admissions, OMS bookings, JMS commitments, parole and probation supervision). Records with no
such event count under year null. All of it is derived from the landing contract and read from the staging
models of a built warehouse (read-only).

"Agrees with the linked person" needs the identity model (`intermediate.int_person_records_linked`, column
`has_consistent_sid`). `sid_capture()` takes that relation as an argument; when it is absent from the warehouse
the share is reported as None ("not yet available"), never guessed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crosstrack.contract import Column, LandingFile, load_contract

# Well-formed SID as the generator issues it (a number of seven or eight digits); a real delivery's format is a setting.
DEFAULT_SID_PATTERN = r"^[0-9]{7,8}$"
IDENTITY_RELATION = "intermediate.int_person_records_linked"
AGENCY_STAGED_NAMES = ("site_code", "agency_code")


@dataclass(frozen=True)
class PersonSource:
    """Where one system's person records, their agency and their entry year come from (staged names)."""

    system: str
    agency_label: str
    person_model: str
    record_id: str
    agency: str | None
    event_model: str
    event_key: str
    event_date: str


def _first_required_date(landing_file: LandingFile) -> Column | None:
    dates = [c for c in landing_file.columns if c.required and c.type in ("date", "timestamp")]
    return dates[0] if dates else None


def person_sources() -> list[PersonSource]:
    """One source per system whose files carry a SID, derived from the contract."""
    contract = load_contract()
    sources = []
    for system in contract.systems:
        person = next((f for f in system.files if any(c.staged_as == "sid" for c in f.columns)), None)
        if person is None:
            continue
        record_id = person.column(person.primary_key).staged_as
        agency = next((c.staged_as for c in person.columns if c.staged_as in AGENCY_STAGED_NAMES), None)
        own_date = _first_required_date(person)
        if own_date is not None:
            event_file, event_key, event_date = person, record_id, own_date
        else:
            target = f"{person.file_name}.{person.primary_key}"
            event_file = next(f for f in system.files if any(c.references == target for c in f.columns))
            event_key = next(c.staged_as for c in event_file.columns if c.references == target)
            event_date = _first_required_date(event_file)
            if event_date is None:
                continue
        sources.append(
            PersonSource(
                system=system.name,
                agency_label=system.agency,
                person_model=person.staging_model,
                record_id=record_id,
                agency=agency,
                event_model=event_file.staging_model,
                event_key=event_key,
                event_date=event_date.staged_as,
            )
        )
    return sources


@dataclass(frozen=True)
class SidCaptureRow:
    source_system: str
    agency: str
    year: int | None
    records: int
    with_sid: int
    well_formed_sid: int
    agreeing_sid: int | None

    @property
    def well_formed_share(self) -> float:
        return self.well_formed_sid / self.records if self.records else 0.0

    @property
    def agreeing_share(self) -> float | None:
        return None if self.agreeing_sid is None else (self.agreeing_sid / self.records if self.records else 0.0)


def _source_sql(source: PersonSource, identity: str | None) -> str:
    label = source.agency_label.replace("'", "''")
    agency = f"coalesce(cast(person.{source.agency} as varchar), 'unknown')" if source.agency else f"'{label}'"
    agrees = "sum(case when linked.has_consistent_sid then 1 else 0 end)" if identity else "null"
    join_identity = (
        f"left join {identity} as linked on linked.source_system = '{source.system}'"
        f" and linked.source_record_id = cast(person.{source.record_id} as varchar)"
        if identity
        else ""
    )
    return f"""
        with entries as (
            select {source.event_key} as record_id, min({source.event_date}) as entered
            from staging.{source.event_model}
            group by {source.event_key}
        )
        select
            '{source.system}' as source_system,
            {agency} as agency,
            year(entries.entered) as year,
            count(*) as records,
            count(nullif(trim(person.sid), '')) as with_sid,
            sum(case when regexp_full_match(trim(person.sid), $pattern) then 1 else 0 end) as well_formed_sid,
            {agrees} as agreeing_sid
        from staging.{source.person_model} as person
        left join entries on entries.record_id = person.{source.record_id}
        {join_identity}
        group by all
    """


def _relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, _, name = relation.partition(".")
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    row = con.execute(query, [schema, name]).fetchone()
    return bool(row and row[0])


def sid_capture(
    con: duckdb.DuckDBPyConnection,
    sid_pattern: str = DEFAULT_SID_PATTERN,
    identity_relation: str | None = IDENTITY_RELATION,
) -> list[SidCaptureRow]:
    """Per system, agency and entry year: records, with a SID, with a well-formed SID, agreeing (if known)."""
    identity = identity_relation if identity_relation and _relation_exists(con, identity_relation) else None
    rows: list[SidCaptureRow] = []
    for source in person_sources():
        result = con.execute(_source_sql(source, identity), {"pattern": sid_pattern}).fetchall()
        rows.extend(SidCaptureRow(*[r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5] or 0), r[6]]) for r in result)
    return sorted(rows, key=lambda r: (r.source_system, r.agency, r.year or 0))


def sid_capture_report(database: Path, sid_pattern: str = DEFAULT_SID_PATTERN) -> list[SidCaptureRow]:
    with duckdb.connect(str(database), read_only=True) as con:
        return sid_capture(con, sid_pattern)


def format_sid_capture(rows: list[SidCaptureRow]) -> str:
    lines = ["system      agency       year  records  with SID  well-formed  share   agrees with linked person"]
    for r in rows:
        agrees = "not yet available" if r.agreeing_share is None else f"{r.agreeing_share:6.1%}"
        lines.append(
            f"{r.source_system:<11} {r.agency:<12} {r.year or '-':<5} {r.records:>7}  {r.with_sid:>8}  "
            f"{r.well_formed_sid:>11}  {r.well_formed_share:6.1%}  {agrees}"
        )
    return "\n".join(lines)


def write_sid_capture(rows: list[SidCaptureRow], out_dir: Path) -> Path:
    """DIR/sid_capture.csv: one line per system, agency and year (agency codes formula-neutralised)."""
    from crosstrack.quality.rows import neutralize

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "sid_capture.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            [
                "source_system",
                "agency",
                "year",
                "records",
                "with_sid",
                "well_formed_sid",
                "well_formed_share",
                "agreeing_sid",
                "agreeing_share",
            ]
        )
        for r in rows:
            agreeing = "not yet available" if r.agreeing_sid is None else r.agreeing_sid
            share = "not yet available" if r.agreeing_share is None else f"{r.agreeing_share:.4f}"
            writer.writerow(
                [
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
            )
    return path


def run_sid_capture(database: Path, out_dir: Path) -> int:
    """`crosstrack validate --sid-capture DB --out DIR`: print the report and write DIR/sid_capture.csv."""
    if not database.is_file():
        from crosstrack.cli import CliError

        raise CliError(f"--sid-capture {database}: no such warehouse file")
    rows = sid_capture_report(database)
    print(format_sid_capture(rows))
    print(f"written: {write_sid_capture(rows, out_dir)}")
    return 0
