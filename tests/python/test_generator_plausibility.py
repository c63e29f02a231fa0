"""The synthetic population is plausible: bands from the brief, computed on the ground truth at a small scale.

Counts scale linearly with --scale, so each band is the scale-1.0 figure times the test scale, widened for the
noise of a small sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import GENERATED_AS_OF, GENERATED_SCALE, run_generator

PEOPLE_AT_SCALE_1 = 472_000
ROWS_AT_SCALE_1 = 17_300_000


def _truth(delivery: Path, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(delivery / "truth" / f"{name}.parquet")
    for column in frame.columns:
        if column.endswith("_date"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


@pytest.fixture(scope="module")
def jan1_custody(generated_delivery: Path) -> pd.DataFrame:
    """People in DOC or Sheriff custody on each January 1, excluded categories left out (R-EX-1)."""
    intervals = _truth(generated_delivery, "custody_intervals")
    counted = intervals[intervals.exclusion_reason.isna()]
    rows = []
    for year in range(2017, int(GENERATED_AS_OF[:4]) + 1):
        day = pd.Timestamp(year, 1, 1)
        inside = counted[(counted.start_date <= day) & (counted.end_date.isna() | (counted.end_date >= day))]
        rows.append({"year": year, "people": inside.person_id.nunique(), "doc": (inside.agency == "DOC").mean()})
    return pd.DataFrame(rows).set_index("year")


def test_people_count_is_about_472_thousand_per_unit_of_scale(generated_delivery: Path) -> None:
    people = len(_truth(generated_delivery, "persons"))
    assert 0.88 * PEOPLE_AT_SCALE_1 * GENERATED_SCALE <= people <= 1.12 * PEOPLE_AT_SCALE_1 * GENERATED_SCALE


def test_extract_rows_are_about_17_million_per_unit_of_scale(generated_delivery: Path) -> None:
    manifest = json.loads((generated_delivery / "manifest.json").read_text())
    total = manifest["total_rows"]
    assert total == sum(manifest["row_counts"].values())
    assert 0.85 * ROWS_AT_SCALE_1 * GENERATED_SCALE <= total <= 1.15 * ROWS_AT_SCALE_1 * GENERATED_SCALE
    counts = manifest["row_counts"]
    courts = sum(v for k, v in counts.items() if k.startswith("masscourts/"))
    assert courts > 0.5 * total, "MassCourts dominates the extracts"


def test_rows_scale_linearly_with_scale(generated_delivery: Path, tmp_path: Path) -> None:
    half = run_generator(tmp_path / "half", GENERATED_SCALE / 2, 7)
    full_rows = json.loads((generated_delivery / "manifest.json").read_text())["total_rows"]
    half_rows = json.loads((half / "manifest.json").read_text())["total_rows"]
    assert 1.8 <= full_rows / half_rows <= 2.2


def test_january_1_2017_custody_is_about_19_thousand_per_unit_of_scale(jan1_custody: pd.DataFrame) -> None:
    people = jan1_custody.loc[2017, "people"]
    assert 0.75 * 19_000 * GENERATED_SCALE <= people <= 1.25 * 19_000 * GENERATED_SCALE


def test_january_1_custody_after_2020_is_12_to_14_thousand_per_unit_of_scale(jan1_custody: pd.DataFrame) -> None:
    after = jan1_custody.loc[2021:, "people"]
    assert len(after) >= 3
    assert (after >= 0.75 * 12_000 * GENERATED_SCALE).all() and (after <= 1.25 * 14_000 * GENERATED_SCALE).all()
    assert 0.85 * 12_000 * GENERATED_SCALE <= after.mean() <= 1.15 * 14_000 * GENERATED_SCALE
    assert after.mean() < jan1_custody.loc[2017, "people"], "custody falls after 2017"


def test_doc_holds_about_40_to_45_percent_of_those_in_custody(jan1_custody: pd.DataFrame) -> None:
    assert jan1_custody["doc"].between(0.30, 0.60).all()
    assert 0.37 <= jan1_custody["doc"].mean() <= 0.50


@pytest.fixture(scope="module")
def community_releases(generated_delivery: Path) -> pd.DataFrame:
    """Sentenced releases to the community since 2017 whose 3-year follow-up is complete (R-RCD-3)."""
    releases = _truth(generated_delivery, "releases")
    chosen = releases.is_to_community & releases.exclusion_reason.isna() & releases.followup_3y_complete
    return releases[chosen & (releases.release_date >= pd.Timestamp(2017, 1, 1))]


def test_three_year_reincarceration_is_30_to_45_percent(community_releases: pd.DataFrame) -> None:
    assert len(community_releases) > 500
    rate = community_releases.reincarceration_3y_date.notna().mean()
    assert 0.28 <= rate <= 0.47


def test_rearraignment_is_at_least_as_common_as_reconviction(community_releases: pd.DataFrame) -> None:
    rearraigned = community_releases.rearraignment_3y_date.notna().mean()
    reconvicted = community_releases.reconviction_3y_date.notna().mean()
    assert rearraigned >= reconvicted > 0.1


def test_outcomes_fall_inside_the_three_year_window(community_releases: pd.DataFrame) -> None:
    for kind in ("rearraignment", "reconviction", "reincarceration"):
        dates = community_releases[f"{kind}_3y_date"]
        known = dates.notna()
        assert (dates[known] > community_releases.release_date[known]).all()
        limit = community_releases.release_date[known] + pd.DateOffset(years=3)
        assert (dates[known] <= limit).all()


def test_fault_rates_stay_small_except_missing_sids(generated_delivery: Path) -> None:
    faults = _truth(generated_delivery, "faults")
    rows = json.loads((generated_delivery / "manifest.json").read_text())["total_rows"]
    by_kind = faults.fault_kind.value_counts()
    assert set(by_kind.index) >= {"missing_sid", "wrong_sid", "name_typo", "duplicate_row", "unknown_code"}
    for kind, count in by_kind.items():
        if kind != "missing_sid":
            assert count < 0.01 * rows, kind


def test_court_records_miss_the_sid_more_often_before_2018(generated_delivery: Path) -> None:
    dockets = pd.read_csv(generated_delivery / "landing/masscourts/dockets.csv", dtype=str, keep_default_na=False)
    year = dockets.filing_date.str[:4].where(dockets.filing_date.str.match(r"^\d{4}-"), "0").astype(int)
    missing = dockets.defendant_sid == ""
    assert missing[year < 2018].mean() > 1.5 * missing[year >= 2018].mean() > 0
