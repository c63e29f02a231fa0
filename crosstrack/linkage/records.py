"""The person records the linker compares: every person file of the delivery as the gate typed it, one row per
source record, its identifiers normalized the way the identity models normalize them (docs/identity.md)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from crosstrack.contract import load_contract
from crosstrack.settings import PROJECT_DIR

IDENTIFIERS = ("sid", "last_name", "first_name", "birth_date")
# The systems whose pre-2018 records (court and county) are legacy data: the only records on which a person can carry
# a second SID (docs/identity.md, "Probabilistic linkage"). A SID on a record of another system is a current SID.
LEGACY_SYSTEMS = ("masscourts", "ims", "oms", "jms")
# ... and their records dated before this year (a record of theirs dated from it on is current data).
LEGACY_BEFORE_YEAR = 2018
# The staged column that dates a record, for the person files of legacy systems that carry one.
RECORD_DATES = {"masscourts": "filing_date"}
# The custody files: the periods a person was held (a prison admission, a county booking, a jail commitment), by the
# staged names of the file, its start and its end, each row naming the system's person record. One person is never
# held in two places at once, so two records whose periods overlap are two people (docs/identity.md).
CUSTODY_FILES = (
    ("ims/IMS_ADMISSION.parquet", "admission_date", "release_date"),
    ("oms/Booking.parquet", "booking_date", "release_date"),
    ("jms/commitments.parquet", "commitment_at", "release_at"),
)
# The reference seeds that conform each system's codes (the warehouse reads the same files).
CODE_SEEDS = {"sex": ("assigned_sex_codes.csv", "assigned_sex"), "race": ("race_codes.csv", "race")}


@cache
def nickname_pairs() -> tuple[tuple[str, str], ...]:
    """(given name, nickname) pairs of the nickname table (crosstrack/linkage/data/nicknames.csv)."""
    text = resources.files(__package__).joinpath("data/nicknames.csv").read_text(encoding="utf-8")
    return tuple((row["name"], row["nickname"]) for row in csv.DictReader(text.splitlines()))


def person_files() -> list[tuple[str, str, dict[str, str]]]:
    """(system, staged relative path, staged name -> landing column) of each file that carries a person's SID."""
    files = []
    for landing_file in load_contract().files:
        by_staged = {c.staged_as: c.name for c in landing_file.columns}
        if "sid" in by_staged:
            by_staged["source_record_id"] = landing_file.primary_key
            files.append((landing_file.system, landing_file.staged_relative_path, by_staged))
    return files


def custody_sql(typed_dir: Path) -> str:
    """One select of every custody period of CUSTODY_FILES: unique_id (its person record's), start_date, end_date
    (null while held). A file absent from the delivery adds no period."""
    files = {f.staged_relative_path: f for f in load_contract().files}
    person_keys = {  # the staged name of each person file's primary key
        system: next(c.staged_as for c in files[relative].columns if c.name == columns["source_record_id"])
        for system, relative, columns in person_files()
    }
    parts = []
    for relative, start, end in CUSTODY_FILES:
        landing_file = files[relative]
        by_staged = {c.staged_as: c.name for c in landing_file.columns}
        person = by_staged[person_keys[landing_file.system]]
        path = typed_dir / relative
        if not path.is_file():
            continue
        parts.append(
            f"""select '{landing_file.system}:' || cast("{person}" as varchar) as unique_id,
                cast("{by_staged[start]}" as date) as start_date, cast("{by_staged[end]}" as date) as end_date
            from read_parquet('{str(path.resolve()).replace("'", "''")}')"""
        )
    if not parts:
        return (
            "select cast(null as varchar) as unique_id, cast(null as date) as start_date, "
            "cast(null as date) as end_date where false"
        )
    return "\nunion all\n".join(parts)


def _normalized(column: str) -> str:
    """The identity models' normalize_name: upper case, letters only, empty as null."""
    return f"nullif(regexp_replace(upper(cast({column} as varchar)), '[^A-Z]', '', 'g'), '')"


def _record_date(system: str, columns: dict[str, str]) -> str:
    column = RECORD_DATES.get(system)
    return f'try_cast("{columns[column]}" as date)' if column else "cast(null as date)"


def records_sql(typed_dir: Path) -> str:
    """One select of every person record: unique_id, source_system, source_record_id and the identifiers."""
    parts = []
    for system, relative, columns in person_files():
        path = str((typed_dir / relative).resolve()).replace("'", "''")
        parts.append(
            f"""select
                '{system}' as source_system,
                cast("{columns["source_record_id"]}" as varchar) as source_record_id,
                nullif(upper(trim(cast("{columns["sid"]}" as varchar))), '') as sid,
                {_normalized(f'"{columns["last_name"]}"')} as last_name,
                {_normalized(f'"{columns["first_name"]}"')} as first_name,
                try_cast("{columns["birth_date"]}" as date) as birth_date,
                cast("{columns["assigned_sex_code"]}" as varchar) as sex_code,
                cast("{columns["race_code"]}" as varchar) as race_code,
                {_record_date(system, columns)} as record_date
            from read_parquet('{path}')"""
        )
    return "\nunion all\n".join(parts)


def load_records(con: duckdb.DuckDBPyConnection, typed_dir: Path, table: str = "person_records") -> int:
    """`table` in `con`: the delivery's person records (a repeated primary key once), with the derived columns the
    comparisons read, and `custody_periods`: their custody periods (`custody_sql`), which the clustering reads.
    Returns the record count."""
    missing = [relative for _, relative, _ in person_files() if not (typed_dir / relative).is_file()]
    if missing:
        raise FileNotFoundError(f"no typed person file {missing[0]} under {typed_dir} (run the gate first)")
    con.execute("create or replace temp table nicknames (name varchar, nickname varchar)")
    con.executemany("insert into nicknames values (?, ?)", list(nickname_pairs()))
    con.execute(f"create or replace temp table typed_person_records as {records_sql(typed_dir)}")
    joins, columns = [], []
    for name, (seed, value) in CODE_SEEDS.items():
        seed_path = str(PROJECT_DIR / "seeds" / seed).replace("'", "''")
        joins.append(
            f"left join read_csv('{seed_path}', all_varchar = true) as {name}_codes "
            f"on {name}_codes.source_system = typed.source_system and {name}_codes.source_code = typed.{name}_code"
        )
        unknown = "'Unknown', 'Other / Unknown', 'Unavailable'"
        columns.append(f"case when {name}_codes.{value} not in ({unknown}) then {name}_codes.{value} end as {name}")
    con.execute(
        "create or replace temp table raw_person_records as select typed.source_system, typed.source_record_id, "
        f"typed.sid, typed.last_name, typed.first_name, typed.birth_date, typed.record_date, {', '.join(columns)} "
        f"from typed_person_records as typed {' '.join(joins)}"
    )
    prepare_records(con, "raw_person_records", table)
    con.execute(
        f"create or replace temp table custody_periods as select * from ({custody_sql(typed_dir)}) "
        "where unique_id is not null and start_date is not null"
    )
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def prepare_records(con: duckdb.DuckDBPyConnection, source: str, table: str) -> None:
    """The comparison columns from source_system, source_record_id, sid, last_name, first_name, birth_date, sex and
    race (already normalized and conformed) and, when `source` has it, record_date (RECORD_DATES): the first name's
    forms (itself and the names it is a nickname of), the birth date as text, the SID's digits sorted (a
    transposition keeps them), and whether the record is current data (`is_current`: not a legacy record)."""
    has_date = bool(
        con.execute(
            "select count(*) from duckdb_columns() where table_name = ? and column_name = 'record_date'", [source]
        ).fetchall()[0][0]
    )
    legacy = ", ".join(f"'{system}'" for system in LEGACY_SYSTEMS)
    record_date = "deduplicated.record_date" if has_date else "cast(null as date)"
    if not _table_exists(con, "nicknames"):
        con.execute("create or replace temp table nicknames (name varchar, nickname varchar)")
        con.executemany("insert into nicknames values (?, ?)", list(nickname_pairs()))
    con.execute(
        f"""
        create or replace temp table {table} as
        with deduplicated as (
            select * from {source}
            qualify row_number() over (partition by source_system, source_record_id order by sid nulls last) = 1
        ),
        forms as (
            select nickname as first_name, list(name order by name) as names from nicknames group by nickname
        )
        select
            deduplicated.source_system || ':' || deduplicated.source_record_id as unique_id,
            deduplicated.source_system,
            deduplicated.source_record_id,
            deduplicated.sid,
            deduplicated.last_name,
            deduplicated.first_name,
            case when deduplicated.first_name is not null
                then list_concat([deduplicated.first_name], coalesce(forms.names, []))
            end as first_name_forms,
            deduplicated.birth_date,
            deduplicated.sex,
            deduplicated.race,
            strftime(deduplicated.birth_date, '%Y%m%d') as birth_date_text,
            case when deduplicated.sid is not null
                then array_to_string(list_sort(string_split(deduplicated.sid, '')), '')
            end as sid_digits,
            deduplicated.source_system not in ({legacy})
                or coalesce(year({record_date}) >= {LEGACY_BEFORE_YEAR}, false) as is_current
        from deduplicated
        left join forms on deduplicated.first_name = forms.first_name
        """
    )


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where table_name = ?", [name]).fetchall()[0][0])
