"""The governing offense of sentenced custodial rows agrees with the generator's ground truth (R-CHG-2, R-CHG-5).

The truth (`truth/governing_offenses.parquet`) holds, for every sentenced commitment, its governing offense from
each date on, chosen from what really happened: the original sentences to incarceration and those imposed later
on a probation revocation, a suspended sentence imposed or a violated continuance without a finding. Each
Sentenced row of cohorts.custodial_snapshots is compared with the truth's row of its commitment in force on the
snapshot date, on the offense type (the truth's reported citation classified by the warehouse's statute map,
else its chapter's default: R-OFF-4). Rows with no governing offense must stay rare at DOC
and at the counties, and each must carry its reason.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.rules("R-CHG-2", "R-CHG-5")

MIN_AGREEMENT = 0.99
MAX_UNKNOWN_SHARE = 0.02
MIN_ROWS = 100  # enough sentenced rows per agency type for the shares to mean something


@pytest.fixture(scope="module")
def comparison(built_warehouse) -> list[tuple]:
    return compare_with_truth(built_warehouse.database, built_warehouse.truth)


def compare_with_truth(database: Path, truth_dir: Path) -> list[tuple]:
    """Per agency type (DOC, county): sentenced rows, Unknown rows, Unknown rows without a reason, rows with an
    offense and a reason, rows with an offense, rows agreeing with the truth on the offense type."""
    con = duckdb.connect(str(database), read_only=True)
    truth = truth_dir / "governing_offenses.parquet"
    try:
        return con.execute(
            f"""
            with truth as (
                select
                    system || ':' || record_id as admission_key,
                    valid_from,
                    valid_to,
                    reported_citation,
                    split_part(reported_citation, '/', 1) as chapter
                from read_parquet('{truth}')
            ),

            truth_typed as (
                select
                    truth.*,
                    coalesce(map.offense_type, chapters.offense_type, other.offense_type) as offense_type
                from truth
                left join reference.statute_offense_map as map
                    on truth.reported_citation = map.statute_citation
                left join reference.statute_chapters as chapters on truth.chapter = chapters.chapter
                cross join (select offense_type from reference.statute_chapters where chapter = 'OTHER') as other
            ),

            rows as (
                select
                    snapshots.snapshot_date,
                    snapshots.admission_key,
                    case when snapshots.agency_code = 'DOC' then 'DOC' else 'county' end as agency_type,
                    snapshots.offense_type,
                    snapshots.offense_unknown_reason,
                    truth_typed.offense_type as truth_offense_type
                from cohorts.custodial_snapshots as snapshots
                left join truth_typed
                    on
                        snapshots.admission_key = truth_typed.admission_key
                        and coalesce(truth_typed.valid_from, snapshots.snapshot_date) <= snapshots.snapshot_date
                        and (truth_typed.valid_to is null or snapshots.snapshot_date < truth_typed.valid_to)
                where snapshots.offender_status = 'Sentenced'
            )

            select
                agency_type,
                count(*) as sentenced_rows,
                count(*) filter (where offense_type is null) as unknown_rows,
                count(*) filter (where offense_type is null and offense_unknown_reason is null)
                    as unknown_without_reason,
                count(*) filter (where offense_type is not null and offense_unknown_reason is not null)
                    as known_with_reason,
                count(*) filter (where offense_type is not null) as known_rows,
                count(*) filter (where offense_type = truth_offense_type) as agreeing_rows
            from rows
            group by agency_type
            order by agency_type
            """
        ).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("agency_type", ["DOC", "county"])
def test_sentenced_rows_without_a_governing_offense_are_rare_and_carry_their_reason(comparison, agency_type) -> None:
    row = next(r for r in comparison if r[0] == agency_type)
    _, sentenced, unknown, without_reason, known_with_reason, _, _ = row
    assert sentenced >= MIN_ROWS, f"{agency_type}: only {sentenced} sentenced rows"
    assert unknown / sentenced < MAX_UNKNOWN_SHARE, f"{agency_type}: {unknown} of {sentenced} rows have no offense"
    assert without_reason == 0, f"{agency_type}: {without_reason} rows are Unknown without a reason"
    assert known_with_reason == 0, f"{agency_type}: {known_with_reason} rows have an offense and a reason"


@pytest.mark.parametrize("agency_type", ["DOC", "county"])
def test_governing_offense_type_agrees_with_the_truth(comparison, agency_type) -> None:
    row = next(r for r in comparison if r[0] == agency_type)
    _, _, _, _, _, known, agreeing = row
    assert known >= MIN_ROWS, f"{agency_type}: only {known} rows with a governing offense"
    assert agreeing / known >= MIN_AGREEMENT, f"{agency_type}: {agreeing} of {known} agree with the truth"
