"""The cohort marts agree with an independent computation from the generator's ground truth
(docs/rules.md sections 2, 3, 9).

The truth (`truth/*.parquet`, written by crosstrack/generator/truth.py) says what really happened: every custody
status period with its person, every release with its first re-arraignment, reconviction and reincarceration.
The warehouse only sees the extracts, with their injected faults. Where linkage and the delivered values are
exact, the two must agree row for row; a row that differs must be explained by a fault the warehouse cannot undo:

- the record, or a status record of its stay, is not in the warehouse's usable custody periods: it was rejected
  as delivered (a bad date, a repeated key: counted in stg_landing__rejects; a stay missing its last status has
  another status at release), or its person could not be linked with confidence (R-SRC-3,
  counted in cohort_exclusions as unlinked_person), or it repeats a period of the same person;
- the record carries a code the reference data do not know (an offender status or a release type: R-SRC-2),
  so its status or whether it was a release to the community cannot be decided;
- the record carries a birth date that is not the person's (a swapped or mistyped birth date), so the juvenile
  exclusion (R-EX-1, under 18 at the cohort date) is decided on a different age;
- the person is split across several person keys, or the person's row on that date is another of their records.

Every differing row must carry one of these explanations, and explained rows must stay rare (at most 3% of the
cohort), so a wrong rule cannot hide behind them. The recidivism rate is compared as a rate: the warehouse's
3-year reincarceration rate on complete follow-up is within 1.5 percentage points of the truth's, and on the
releases both sides hold, the 3-year outcome agrees for at least 98% of them (a reincarceration recorded under
an unlinked or split record is the only way to differ).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

SNAPSHOT_FIRST_YEAR = 2017
MAX_EXPLAINED_SHARE = 0.03
RATE_TOLERANCE = 0.015
MIN_OUTCOME_AGREEMENT = 0.98


@dataclass(frozen=True)
class Comparison:
    truth_rows: int
    warehouse_rows: int
    unexplained: list[tuple]
    explained: int


def _connect(database: Path, truth: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(database), read_only=True)
    for table in ("custody_intervals", "releases", "persons", "record_links"):
        con.execute(f"create temp view truth_{table} as select * from read_parquet('{truth / table}.parquet')")
    con.execute(
        """
        create temp view truth_stay_statuses as
        select
            system || ':' || split_part(source_stay_record, ':', 2) as stay_key,
            system || ':' || split_part(source_status_record, ':', 2) as status_key
        from truth_custody_intervals
        """
    )
    # The warehouse's view of each custody status record: usable for a person, its birth date as delivered.
    con.execute(
        """
        create temp view warehouse_records as
        select
            status_key as record_key,
            is_usable_period,
            birth_date as record_birth_date,
            offender_status is null or (release_date is not null and release_type is null) as has_unknown_code
        from intermediate.int_custody_periods_normalized
        union all
        select
            admission_key as record_key,
            bool_and(is_usable_period) as is_usable_period,
            min(birth_date) as record_birth_date,
            bool_or(offender_status is null or (release_date is not null and release_type is null)) as has_unknown_code
        from intermediate.int_custody_periods_normalized
        group by admission_key
        """
    )
    return con


@pytest.fixture(scope="module")
def con(built_warehouse) -> duckdb.DuckDBPyConnection:
    connection = _connect(built_warehouse.database, built_warehouse.truth)
    yield connection
    connection.close()


def _compare(con: duckdb.DuckDBPyConnection, truth_sql: str, warehouse_sql: str) -> Comparison:
    """Row-level comparison on (cohort_date, record_key); differing rows are explained or listed as unexplained.

    Both queries return cohort_date, record_key ('<system>:<status or stay id>'), group_key; the truth query also
    person_id and birth_date.
    """
    con.execute(f"create or replace temp view truth_rows as {truth_sql}")
    con.execute(f"create or replace temp view warehouse_rows as {warehouse_sql}")
    counts = con.execute("select (select count(*) from truth_rows), (select count(*) from warehouse_rows)").fetchone()
    differing = con.execute(
        """
        with
        record_persons as (
            select system || ':' || record_id as record_key, person_id
            from truth_record_links
        ),
        warehouse_rows_with_person as (
            select warehouse_rows.*, record_persons.person_id
            from warehouse_rows
            left join record_persons using (record_key)
        ),
        truth_only as (
            select truth_rows.*
            from truth_rows
            anti join warehouse_rows using (cohort_date, record_key)
        ),
        warehouse_only as (
            select warehouse_rows_with_person.*
            from warehouse_rows_with_person
            anti join truth_rows using (cohort_date, record_key)
        ),
        explained_truth_only as (
            select
                truth_only.*,
                coalesce(not records.is_usable_period, true) as is_unusable_record,
                coalesce(records.has_unknown_code, false) as has_unknown_code,
                exists (
                    select 1 from truth_stay_statuses as stay_statuses
                    where
                        stay_statuses.stay_key = truth_only.record_key
                        and stay_statuses.status_key not in (
                            select record_key from warehouse_records where is_usable_period
                        )
                ) as has_unusable_status,
                records.record_birth_date is distinct from truth_only.birth_date as has_other_birth_date,
                exists (
                    select 1 from warehouse_rows_with_person as other
                    where other.person_id = truth_only.person_id and other.cohort_date = truth_only.cohort_date
                ) as has_other_row
            from truth_only
            left join warehouse_records as records
                on truth_only.record_key = records.record_key
        ),
        explained_warehouse_only as (
            select
                warehouse_only.*,
                records.record_birth_date is distinct from truth_persons.birth_date as has_other_birth_date,
                exists (
                    select 1 from truth_rows as other
                    where other.person_id = warehouse_only.person_id and other.cohort_date = warehouse_only.cohort_date
                ) as has_other_row
            from warehouse_only
            left join warehouse_records as records
                on warehouse_only.record_key = records.record_key
            left join truth_persons on warehouse_only.person_id = truth_persons.person_id
        )
        select
            'truth only', cohort_date, record_key,
            is_unusable_record or has_unusable_status or has_unknown_code or has_other_birth_date or has_other_row
        from explained_truth_only
        union all
        select 'warehouse only', cohort_date, record_key, has_other_birth_date or has_other_row
        from explained_warehouse_only
        union all
        select 'other group', truth_rows.cohort_date, truth_rows.record_key, coalesce(records.has_unknown_code, false)
        from truth_rows
        inner join warehouse_rows using (cohort_date, record_key)
        left join warehouse_records as records on truth_rows.record_key = records.record_key
        where truth_rows.group_key is distinct from warehouse_rows.group_key
        """
    ).fetchall()
    unexplained = [row for row in differing if not row[3]]
    return Comparison(counts[0], counts[1], unexplained, len(differing) - len(unexplained))


def _assert_agrees(comparison: Comparison) -> None:
    assert comparison.truth_rows > 0
    assert comparison.unexplained == [], f"rows differing from the truth without a fault to explain them: {comparison}"
    assert comparison.explained <= MAX_EXPLAINED_SHARE * comparison.truth_rows, comparison


def _snapshot_dates_sql(as_of: str) -> str:
    return f"""
        select make_date(year_number, 1, 1) as snapshot_date
        from range({SNAPSHOT_FIRST_YEAR}, extract(year from date '{as_of}') + 1) as years(year_number)
    """


def _truth_adult(date_column: str) -> str:
    """R-EX-1 on the truth: 18 or over at the cohort date, from the person's true birth date."""
    return f"date_sub('year', truth_persons.birth_date, {date_column}) >= 18"


@pytest.mark.rules("R-COH-1", "R-EX-1", "R-AGY-1")
def test_january_first_custody_counts_by_agency_and_status_agree_with_the_truth(con, built_warehouse) -> None:
    truth_sql = f"""
        with
        snapshot_dates as ({_snapshot_dates_sql(built_warehouse.as_of)}),
        covering as (
            select
                snapshot_dates.snapshot_date,
                intervals.*,
                row_number() over (
                    partition by intervals.person_id, snapshot_dates.snapshot_date
                    order by intervals.start_date desc, intervals.stay_admission_date desc
                ) as period_rank
            from truth_custody_intervals as intervals
            inner join snapshot_dates
                on
                    intervals.start_date <= snapshot_dates.snapshot_date
                    and coalesce(intervals.end_date, date '9999-12-31') >= snapshot_dates.snapshot_date
        )
        select
            covering.snapshot_date as cohort_date,
            covering.system || ':' || split_part(covering.source_status_record, ':', 2) as record_key,
            upper(covering.agency) || '|'
                || case when covering.offender_status in ('SEN', 'PV') then 'Sentenced' else 'Pretrial' end
                as group_key,
            covering.person_id,
            truth_persons.birth_date
        from covering
        inner join truth_persons using (person_id)
        where
            covering.period_rank = 1
            and covering.offender_status in ('SEN', 'PV', 'PRE')
            and {_truth_adult("covering.snapshot_date")}
    """
    warehouse_sql = """
        select
            snapshot_date as cohort_date,
            status_key as record_key,
            agency_code || '|' || offender_status as group_key
        from cohorts.custodial_snapshots
    """
    comparison = _compare(con, truth_sql, warehouse_sql)
    _assert_agrees(comparison)
    by_group = con.execute(
        """
        select
            cohort_date, group_key,
            coalesce(truth_count, 0) as truth_count, coalesce(warehouse_count, 0) as warehouse_count
        from (select cohort_date, group_key, count(*) as truth_count from truth_rows group by all) as truth
        full join (select cohort_date, group_key, count(*) as warehouse_count from warehouse_rows group by all) as wh
            using (cohort_date, group_key)
        """
    ).fetchall()
    # each explained row moves at most one count out of one cell and into another
    total_difference = sum(abs(truth - warehouse) for _, _, truth, warehouse in by_group)
    assert total_difference <= 2 * comparison.explained, (total_difference, comparison)


@pytest.mark.rules("R-COH-1")
def test_admissions_per_year_agree_with_the_truth(con, built_warehouse) -> None:
    truth_sql = f"""
        with
        first_statuses as (
            select
                *,
                row_number() over (partition by source_stay_record order by start_date) as status_rank
            from truth_custody_intervals
        )
        select
            stay_admission_date as cohort_date,
            system || ':' || split_part(source_stay_record, ':', 2) as record_key,
            cast(extract(year from stay_admission_date) as varchar) as group_key,
            person_id,
            truth_persons.birth_date
        from first_statuses
        inner join truth_persons using (person_id)
        where
            status_rank = 1
            and offender_status in ('SEN', 'PV', 'PRE')
            and stay_admission_date between date '2017-01-01'
            and date_trunc('week', date '{built_warehouse.as_of}') - interval 1 day
            and {_truth_adult("stay_admission_date")}
    """
    warehouse_sql = """
        select
            admission_date as cohort_date,
            admission_key as record_key,
            cast(extract(year from admission_date) as varchar) as group_key
        from cohorts.admissions
    """
    _assert_agrees(_compare(con, truth_sql, warehouse_sql))


@pytest.mark.rules("R-COH-1", "R-COH-2")
def test_releases_per_year_agree_with_the_truth(con, built_warehouse) -> None:
    truth_sql = f"""
        select
            release_date as cohort_date,
            system || ':' || split_part(source_stay_record, ':', 2) as record_key,
            cast(extract(year from release_date) as varchar) as group_key,
            person_id,
            truth_persons.birth_date
        from truth_releases
        inner join truth_persons using (person_id)
        where
            status_at_release in ('SEN', 'PV', 'PRE')
            and release_date between date '2017-01-01'
            and cast(date_trunc('year', date '{built_warehouse.as_of}') - interval 1 day as date)
            and {_truth_adult("release_date")}
    """
    warehouse_sql = """
        select
            release_date as cohort_date,
            release_key as record_key,
            cast(extract(year from release_date) as varchar) as group_key
        from cohorts.releases
    """
    _assert_agrees(_compare(con, truth_sql, warehouse_sql))


@pytest.mark.rules("R-RCD-1", "R-RCD-2", "R-RCD-3")
def test_three_year_reincarceration_rate_agrees_with_the_truth(con, built_warehouse) -> None:
    truth_sql = f"""
        select
            release_date as cohort_date,
            system || ':' || split_part(source_stay_record, ':', 2) as record_key,
            'all' as group_key,
            person_id,
            truth_persons.birth_date,
            reincarceration_3y_date is not null as is_reincarcerated,
            followup_3y_complete
        from truth_releases
        inner join truth_persons using (person_id)
        where
            is_to_community
            and exclusion_reason is null
            and release_date between date '2017-01-01'
            and date_trunc('year', date '{built_warehouse.as_of}') - interval 2 year - interval 1 day
            and {_truth_adult("release_date")}
    """
    warehouse_sql = """
        select
            release_date as cohort_date,
            release_key as record_key,
            'all' as group_key,
            is_reincarceration_within_3y as is_reincarcerated,
            has_complete_followup_3y
        from cohorts.recidivism
    """
    _assert_agrees(_compare(con, truth_sql, warehouse_sql))
    truth_rate, truth_n = con.execute(
        "select avg(is_reincarcerated::int), count(*) from truth_rows where followup_3y_complete"
    ).fetchone()
    warehouse_rate, warehouse_n = con.execute(
        "select avg(is_reincarcerated::int), count(*) from warehouse_rows where has_complete_followup_3y"
    ).fetchone()
    assert truth_n > 0 and warehouse_n > 0
    assert abs(truth_rate - warehouse_rate) <= RATE_TOLERANCE, (truth_rate, warehouse_rate)
    agreement, matched = con.execute(
        """
        select avg((truth_rows.is_reincarcerated = warehouse_rows.is_reincarcerated)::int), count(*)
        from truth_rows
        inner join warehouse_rows using (cohort_date, record_key)
        where truth_rows.followup_3y_complete
        """
    ).fetchone()
    assert matched > 0 and agreement >= MIN_OUTCOME_AGREEMENT, (agreement, matched)


@pytest.mark.rules("R-RCD-3")
def test_incomplete_follow_up_is_never_counted(con, built_warehouse) -> None:
    as_of = f"date '{built_warehouse.as_of}'"
    incomplete_but_counted = con.execute(
        f"""
        select count(*) from cohorts.recidivism
        where
            (release_date + interval 1 year > {as_of} and is_reincarceration_within_1y is not null)
            or (release_date + interval 3 year > {as_of} and is_rearraignment_within_3y is not null)
        """
    ).fetchone()[0]
    assert incomplete_but_counted == 0


@pytest.mark.rules("R-EX-2", "R-SRC-3")
def test_every_candidate_row_is_in_its_mart_or_excluded_with_a_reason(con) -> None:
    reconciliation = con.execute(
        """
        select
            counts.cohort,
            sum(case when counts.row_outcome = 'included' then counts.row_count else 0 end) as included,
            sum(case when counts.row_outcome <> 'included' then counts.row_count else 0 end) as excluded,
            (select count(*) from cohorts.cohort_exclusions where cohort = counts.cohort) as listed
        from cohorts.cohort_exclusion_counts as counts
        group by counts.cohort
        """
    ).fetchall()
    marts = {
        "custodial": "cohorts.custodial_snapshots",
        "admissions": "cohorts.admissions",
        "releases": "cohorts.releases",
        "recidivism": "cohorts.recidivism",
        "supervision": "cohorts.risk_and_needs where population = 'Under supervision'",
    }
    assert {row[0] for row in reconciliation} == set(marts)
    for cohort, included, excluded, listed in reconciliation:
        assert con.execute(f"select count(*) from {marts[cohort]}").fetchone()[0] == included, cohort
        assert excluded == listed
