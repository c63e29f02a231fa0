"""Fixtures for the API tests: a tiny public release laid out as the public-layer contract says, a tiny
restricted warehouse, and keys. The cubes are built here from a handful of records, with every grouping set of
at most 3 dimensions and the R-PUB-2 suppression (fewer than 5 records: metrics null, is_suppressed true),
so the tests can compare API answers with the file's own rows without a warehouse build.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from crosstrack.api import create_app
from crosstrack.api.keys import add_key
from crosstrack.settings import Settings

SUPPRESSION_THRESHOLD = 5
MAX_DIMENSIONS = 3
AS_OF = "2026-07-01"


@dataclass(frozen=True)
class DimensionSpec:
    label: str
    values: tuple[str, ...]  # in value_order (deliberately not alphabetical)
    requires_offender_status: str | None = None


@dataclass(frozen=True)
class CohortSpec:
    name: str
    table: str
    partitions: dict[str, str]  # column -> SQL type, in order
    partition_values: dict[str, tuple[str, ...]]
    dimensions: dict[str, DimensionSpec]
    metrics: dict[str, tuple[str, str, Callable[[list[dict]], Any]]]  # metric -> (label, unit, compute)
    records: list[dict[str, Any]] = field(default_factory=list)


def _records(pattern: list[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [dict(fields) for count, fields in pattern for _ in range(count)]


def _custodial_records(snapshot: str, extra_doc: int) -> list[dict[str, Any]]:
    base = {"snapshot_date": snapshot}
    sentenced = {"offender_status": "Sentenced", "leading_charge_type": None}
    pretrial = {"offender_status": "Pretrial", "governing_offense_type": None}
    return _records(
        [
            (
                5 + extra_doc,
                {**base, **sentenced, "agency": "DOC", "race": "White", "governing_offense_type": "Violent"},
            ),
            (4, {**base, **sentenced, "agency": "DOC", "race": "Black", "governing_offense_type": "Drug"}),
            (6, {**base, **pretrial, "agency": "DOC", "race": "White", "leading_charge_type": "Property"}),
            (3, {**base, **pretrial, "agency": "BAR", "race": "Black", "leading_charge_type": "Property"}),
            (2, {**base, **sentenced, "agency": "BAR", "race": "White", "governing_offense_type": "Violent"}),
        ]
    )


def _with_days(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**record, "incarceration_days": 30 + 7 * index} for index, record in enumerate(records)]


def _mean_days(records: list[dict]) -> float:
    return round(statistics.fmean(record["incarceration_days"] for record in records), 2)


def _rate(records: list[dict]) -> float:
    return round(sum(record["reincarcerated"] for record in records) / len(records), 4)


def cohort_specs(extra_doc: int = 0) -> list[CohortSpec]:
    """The fixture's two cohorts; `extra_doc` adds sentenced DOC records (to publish a visibly different release)."""
    offense_values = ("Violent", "Property", "Drug")
    custodial = CohortSpec(
        name="custodial",
        table="pub_custodial_population",
        partitions={"snapshot_date": "date"},
        partition_values={"snapshot_date": ("2024-01-01", "2025-01-01")},
        dimensions={
            "agency": DimensionSpec("Agency", ("DOC", "BAR", "HAM")),
            "offender_status": DimensionSpec("Offender status", ("Sentenced", "Pretrial")),
            "race": DimensionSpec("Race", ("White", "Black", "Asian")),
            "governing_offense_type": DimensionSpec("Governing offense type", offense_values, "Sentenced"),
            "leading_charge_type": DimensionSpec("Leading charge type", offense_values, "Pretrial"),
        },
        metrics={
            "record_count": ("Records", "records", len),
            "mean_incarceration_days": ("Mean days of incarceration", "days", _mean_days),
        },
        records=_with_days(
            _custodial_records("2024-01-01", extra_doc) + _custodial_records("2025-01-01", extra_doc + 1)
        ),
    )
    recidivism_records = [
        {"release_year": year, "followup_years": followup, **fields}
        for year in (2022, 2023)
        for followup in (1, 2)
        for fields in _records(
            [
                (5, {"agency": "DOC", "race": "White", "governing_offense_type": "Violent", "reincarcerated": 1}),
                (3, {"agency": "DOC", "race": "White", "governing_offense_type": "Violent", "reincarcerated": 0}),
                (4, {"agency": "BAR", "race": "Black", "governing_offense_type": "Drug", "reincarcerated": 0}),
            ]
        )
    ]
    recidivism = CohortSpec(
        name="recidivism",
        table="pub_recidivism",
        partitions={"release_year": "integer", "followup_years": "integer"},
        partition_values={"release_year": ("2022", "2023"), "followup_years": ("1", "2", "3")},
        dimensions={
            "agency": DimensionSpec("Agency", ("DOC", "BAR", "HAM")),
            "race": DimensionSpec("Race", ("White", "Black", "Asian")),
            # Sentenced only by definition: no offender status required (contract).
            "governing_offense_type": DimensionSpec("Governing offense type", offense_values),
        },
        metrics={
            "record_count": ("Records", "records", len),
            "reincarceration_rate": ("Reincarceration rate", "proportion", _rate),
        },
        records=recidivism_records,
    )
    return [custodial, recidivism]


def cube_rows(spec: CohortSpec) -> list[tuple]:
    """Every cell with >= 1 record of every grouping set of at most MAX_DIMENSIONS dimensions, suppressed below 5."""
    rows: list[tuple] = []
    names = list(spec.dimensions)
    for size in range(MAX_DIMENSIONS + 1):
        for grouping in itertools.combinations(sorted(names), size):
            cells: dict[tuple, list[dict]] = {}
            for record in spec.records:
                if any(record[name] is None for name in grouping):
                    continue  # e.g. pretrial records have no governing offense
                key = tuple(record[column] for column in spec.partitions) + tuple(record[name] for name in grouping)
                cells.setdefault(key, []).append(record)
            for key, members in cells.items():
                partition_values = key[: len(spec.partitions)]
                grouped = dict(zip(grouping, key[len(spec.partitions) :], strict=True))
                suppressed = len(members) < SUPPRESSION_THRESHOLD
                metrics = [None if suppressed else compute(members) for _, _, compute in spec.metrics.values()]
                rows.append(
                    (
                        *partition_values,
                        ",".join(grouping),
                        *(grouped.get(name) for name in names),
                        *metrics,
                        suppressed,
                    )
                )
    return rows


def build_public_db(path: Path, specs: list[CohortSpec] | None = None, as_of: str = AS_OF) -> Path:
    """Write the public release at `path` in the contract's layout (schema public, cube and catalog tables)."""
    specs = specs if specs is not None else cohort_specs()
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema public")
        for spec in specs:
            columns = [
                *(f"{name} {sql_type}" for name, sql_type in spec.partitions.items()),
                "dimensions varchar",
                *(f"{name} varchar" for name in spec.dimensions),
                "record_count bigint",
                *(f"{name} double" for name in spec.metrics if name != "record_count"),
                "is_suppressed boolean",
            ]
            con.execute(f"create table public.{spec.table} ({', '.join(columns)})")
            rows = cube_rows(spec)
            placeholders = ", ".join("?" for _ in rows[0])
            con.executemany(f"insert into public.{spec.table} values ({placeholders})", rows)
        con.execute(
            "create table public.pub_cohorts (cohort varchar, table_name varchar, label varchar, "
            "description varchar, partition_columns varchar, max_dimensions integer, cohort_order integer)"
        )
        con.executemany(
            "insert into public.pub_cohorts values (?, ?, ?, ?, ?, ?, ?)",
            [
                (spec.name, spec.table, spec.name.title(), f"The {spec.name} cohort.", ",".join(spec.partitions), 3, n)
                for n, spec in enumerate(specs, 1)
            ],
        )
        con.execute(
            "create table public.pub_dimensions (cohort varchar, dimension varchar, label varchar, "
            "description varchar, is_partition boolean, requires_offender_status varchar, value varchar, "
            "dimension_order integer, value_order integer)"
        )
        dimension_rows = []
        for spec in specs:
            for position, (name, values) in enumerate(spec.partition_values.items(), 1):
                label = name.replace("_", " ").capitalize()
                dimension_rows += [
                    (spec.name, name, label, label + ".", True, None, value, position, order)
                    for order, value in enumerate(values, 1)
                ]
            for position, (name, dimension) in enumerate(spec.dimensions.items(), len(spec.partition_values) + 1):
                requires = dimension.requires_offender_status
                dimension_rows += [
                    (spec.name, name, dimension.label, dimension.label + ".", False, requires, value, position, order)
                    for order, value in enumerate(dimension.values, 1)
                ]
        con.executemany("insert into public.pub_dimensions values (?, ?, ?, ?, ?, ?, ?, ?, ?)", dimension_rows)
        con.execute(
            "create table public.pub_metrics (cohort varchar, metric varchar, label varchar, description varchar, "
            "unit varchar, metric_order integer)"
        )
        con.executemany(
            "insert into public.pub_metrics values (?, ?, ?, ?, ?, ?)",
            [
                (spec.name, name, label, label + ".", unit, order)
                for spec in specs
                for order, (name, (label, unit, _)) in enumerate(spec.metrics.items(), 1)
            ],
        )
        con.execute(
            "create table public.pub_release (as_of date, published_at timestamp, suppression_threshold integer, "
            "max_dimensions integer)"
        )
        con.execute(
            "insert into public.pub_release values (?, ?, ?, ?)",
            [dt.date.fromisoformat(as_of), dt.datetime(2026, 7, 2, 3, 4, 5), SUPPRESSION_THRESHOLD, MAX_DIMENSIONS],
        )
    finally:
        con.close()
    return path


# Person keys as the warehouse draws them: `pk_` and 32 random hex digits.
ALPHA = "pk_3c9e0d1b7a4f4e2d8b6a5c0f1e2d3a4b"
BETA = "pk_9b8a7c6d5e4f40318293a4b5c6d7e8f9"
NOBODY = "pk_00000000000000000000000000000000"

TIMELINE_PEOPLE = {
    ALPHA: [
        ("2020-03-01", "admission", "NEW", "DOC", "IMS", "ims_admissions.csv", "C100", "E1"),
        ("2021-05-02", "program enrollment", "EDU", "DOC", "IMS", "ims_programs.csv", "C100", "E2"),
        ("2022-07-03", "release", "PAROLE", "DOC", "IMS", "ims_releases.csv", "C100", "E3"),
    ],
    BETA: [("2019-01-09", "docket filed", "ARR", "BMC", "MASSCOURTS", "mc_dockets.csv", "D200", "E9")],
}


def build_restricted_db(path: Path, search_rows: list[tuple] | None = None) -> Path:
    """A warehouse file holding only restricted.person_timeline and restricted.person_search_index, with the marts'
    columns. `search_rows` (person_key, sid, last_name_key, first_name_key, birth_date, record_count) replace the
    search index's default rows (the timeline's people, one record each)."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema restricted")
        con.execute(
            "create table restricted.person_timeline (person_key varchar, event_sequence bigint, event_date date, "
            "event_type varchar, event_code varchar, agency varchar, source_system varchar, file_name varchar, "
            "person_record_id varchar, source_event_id varchar)"
        )
        rows = [
            (person_key, sequence, dt.date.fromisoformat(event[0]), *event[1:])
            for person_key, events in TIMELINE_PEOPLE.items()
            for sequence, event in enumerate(events, 1)
        ]
        con.executemany("insert into restricted.person_timeline values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            "create table restricted.person_search_index (person_key varchar, sid varchar, last_name_key varchar, "
            "first_name_key varchar, birth_date date, record_count bigint)"
        )
        if search_rows is None:
            search_rows = [
                (person_key, f"0100000{i}", "SILVA", "ANA", dt.date(1990, 3, 7 + i), 1)
                for i, person_key in enumerate(TIMELINE_PEOPLE)
            ]
        con.executemany("insert into restricted.person_search_index values (?, ?, ?, ?, ?, ?)", search_rows)
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def api_public_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's public release (read-only for tests: copy it before changing it)."""
    return build_public_db(tmp_path_factory.mktemp("api_public") / "crosstrack_public.duckdb")


@pytest.fixture(scope="session")
def api_restricted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_restricted_db(tmp_path_factory.mktemp("api_restricted") / "crosstrack.duckdb")


@pytest.fixture
def api_settings(
    tmp_path: Path, api_public_db: Path, api_restricted_db: Path, request: pytest.FixtureRequest
) -> Settings:
    """The API's settings over the fixture's databases; a test module changes fields by indirect parametrization
    (`pytest.mark.parametrize("api_settings", [{field: value}], indirect=True)`)."""
    return Settings(
        public_db=api_public_db,
        db=api_restricted_db,
        api_keys=tmp_path / "api_keys.json",
        audit_log=tmp_path / "audit.log",
        **getattr(request, "param", {}),
    )


@pytest.fixture
def api_client(api_settings: Settings) -> TestClient:
    with TestClient(create_app(api_settings)) as client:
        yield client


@pytest.fixture
def restricted_key(api_settings: Settings) -> str:
    """A key of role `restricted` in the test's key file."""
    key, _ = add_key(api_settings.api_keys, "analyst", "restricted")
    return key


@pytest.fixture
def public_role_key(api_settings: Settings) -> str:
    """A key of role `public`: valid, but not allowed to read restricted data."""
    key, _ = add_key(api_settings.api_keys, "dashboard", "public")
    return key
