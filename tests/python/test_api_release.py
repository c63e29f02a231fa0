"""The API end to end on the session's real small-scale published release, checked against the restricted truth
(publication.int_public_cells of the warehouse): suppression at 4 and 5 (R-PUB-2), no recovery of a
suppressed count by differencing two responses (R-PUB-3), the same numbers as JSON and as CSV (R-API-2), the
offender-status rule (R-CHG-4), and no shown count under 5 in any cohort's total.

A cell of the truth is keyed as crosstrack.disclosure_audit keys it: (cohort, partition values '|'-joined,
((dimension, value), ...) in dimension order). A grouping set of k dimensions is asked for as k filters, with one
filter per partition column: the answer is that one cell.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from crosstrack.api import create_app
from crosstrack.disclosure_audit import MAX_ADVANTAGE, Key, intruder_rates, restricted_cells
from crosstrack.settings import Settings

pytestmark = pytest.mark.warehouse

QUERY = "/api/v1/query"
OFFENDER_STATUS = "offender_status"
THRESHOLD = 5
DIFFERENCING_PAIRS = 400
SEED = 20170101

Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Release:
    client: TestClient
    catalog: dict[str, Any]
    cohorts: dict[str, dict[str, Any]]  # cohort -> its catalog entry, with "by_dimension": name -> dimension entry
    truth: dict[Key, tuple[int, int]]  # cell -> (true count, record fingerprint)

    def answerable(self, cohort: str, grouped: tuple[tuple[str, str], ...]) -> bool:
        """The API offers this cell: every value is in the catalog and R-CHG-4's offender status is filtered."""
        dimensions = self.cohorts[cohort]["by_dimension"]
        values = dict(grouped)
        for name, value in grouped:
            dimension = dimensions.get(name)
            if dimension is None or dimension["is_partition"] or value not in dimension["values"]:
                return False
            required = dimension["requires_offender_status"]
            if required and values.get(OFFENDER_STATUS) != required:
                return False
        return len(grouped) <= self.cohorts[cohort]["max_dimensions"]

    def partition_filters(self, cohort: str, partition: str) -> Params:
        columns = self.cohorts[cohort]["partition_columns"]
        values = partition.split("|") if columns else []
        return [("filter", f"{name}:{value}") for name, value in zip(columns, values, strict=True)]

    def cell_params(self, key: Key) -> Params:
        cohort, partition, grouped = key
        filters = [("filter", f"{name}:{value}") for name, value in grouped]
        return [("cohort", cohort), *self.partition_filters(cohort, partition), *filters]

    def get(self, params: Params) -> dict[str, Any]:
        response = self.client.get(QUERY, params=params)
        assert response.status_code == 200, (params, response.text)
        return response.json()


@pytest.fixture(scope="module")
def release(built_warehouse: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Release]:
    private = tmp_path_factory.mktemp("api_release")
    settings = Settings(
        public_db=built_warehouse.public_database,
        db=built_warehouse.database,
        api_keys=private / "keys.json",
        audit_log=private / "audit.log",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/cohorts")
        assert response.status_code == 200, response.text
        catalog = response.json()
        cohorts = {
            cohort["cohort"]: {**cohort, "by_dimension": {d["dimension"]: d for d in cohort["dimensions"]}}
            for cohort in catalog["cohorts"]
        }
        yield Release(client, catalog, cohorts, restricted_cells(built_warehouse.database))


def _key_of_row(release: Release, cohort: str, row: dict[str, Any], grouped_names: list[str]) -> Key:
    partition = "|".join(str(row[name]) for name in release.cohorts[cohort]["partition_columns"])
    return (cohort, partition, tuple(sorted((name, str(row[name])) for name in grouped_names)))


# ---- R-PUB-2: suppression at 4, shown at 5 ---------------------------------------------------------------------


def _answerable_cells(release: Release, count: int) -> list[Key]:
    """Up to 2 cells of `count` records per cohort and number of dimensions (1 to 3), chosen by a fixed seed."""
    strata: dict[tuple[str, int], list[Key]] = {}
    for key, (true_count, _) in release.truth.items():
        if true_count == count and key[2] and release.answerable(key[0], key[2]):
            strata.setdefault((key[0], len(key[2])), []).append(key)
    rng = random.Random(SEED + count)
    return [
        key for stratum in sorted(strata) for key in rng.sample(sorted(strata[stratum]), min(2, len(strata[stratum])))
    ]


@pytest.mark.rules("R-PUB-2")
def test_a_cell_of_4_records_is_suppressed_through_the_api(release: Release) -> None:
    fours = _answerable_cells(release, 4)
    assert {key[0] for key in fours} == set(release.cohorts), "every cohort has cells of 4 records"
    for key in fours:
        body = release.get(release.cell_params(key))
        assert body["row_count"] == 1, key
        (row,) = body["rows"]
        assert _key_of_row(release, key[0], row, [name for name, _ in key[2]]) == key
        assert row["is_suppressed"] is True, key
        assert row["record_count"] is None, key  # suppressed is null, not 0
        for metric in body["metrics"]:
            assert row[metric] is None, (key, metric)  # and so is every statistic computed from it


@pytest.mark.rules("R-PUB-2")
def test_a_cell_of_5_records_is_shown_through_the_api(release: Release) -> None:
    fives = _answerable_cells(release, 5)
    assert {key[0] for key in fives} == set(release.cohorts), "every cohort has cells of 5 records"
    for key in fives:
        body = release.get(release.cell_params(key))
        assert body["row_count"] == 1, key
        (row,) = body["rows"]
        assert _key_of_row(release, key[0], row, [name for name, _ in key[2]]) == key
        assert row["is_suppressed"] is False, key
        assert row["record_count"] is not None and row["record_count"] >= THRESHOLD, key


# ---- R-PUB-3: differencing two responses -------------------------------------------------------------------------


def _differencing_pairs(release: Release) -> list[tuple[Key, str]]:
    """(shown cell of 0-2 dimensions, one more dimension): the cell's total with its filters, and the table by that
    dimension with the same filters. The bare total of a partition is the base of R-PUB-3's example."""
    pairs = []
    # The grouping sets the cubes publish (the truth has a cell in every one of them).
    published = {(cohort, tuple(sorted(name for name, _ in grouped))) for cohort, _, grouped in release.truth}
    for key, (count, _) in release.truth.items():
        cohort, _, grouped = key
        if count < THRESHOLD or len(grouped) >= release.cohorts[cohort]["max_dimensions"]:
            continue
        if not release.answerable(cohort, grouped):
            continue
        present = {name for name, _ in grouped}
        for name, dimension in release.cohorts[cohort]["by_dimension"].items():
            if dimension["is_partition"] or name in present:
                continue
            required = dimension["requires_offender_status"]
            if required and dict(grouped).get(OFFENDER_STATUS) != required:
                continue
            if (cohort, tuple(sorted(present | {name}))) not in published:
                continue
            pairs.append((key, name))
    pairs.sort()
    return pairs


@pytest.mark.rules("R-PUB-3")
def test_differencing_a_total_and_its_table_does_not_recover_a_suppressed_count(release: Release) -> None:
    pairs = _differencing_pairs(release)
    rng = random.Random(SEED)
    totals = [pair for pair in pairs if not pair[0][2]]
    others = [pair for pair in pairs if pair[0][2]]
    # Half the pairs start from a partition's bare total, half from a total with filters.
    chosen = rng.sample(totals, min(len(totals), DIFFERENCING_PAIRS // 2))
    chosen += rng.sample(others, min(len(others), DIFFERENCING_PAIRS - len(chosen)))
    estimates: list[tuple[Key, float]] = []
    for base, dimension in chosen:
        cohort, _, grouped = base
        params = release.cell_params(base)
        total = release.get(params)
        if total["row_count"] != 1 or total["rows"][0]["record_count"] is None:
            continue
        table = release.get([*params, ("dims", dimension)])
        names = [dimension, *(name for name, _ in grouped)]
        hidden = [row for row in table["rows"] if row["is_suppressed"]]
        if len(hidden) != 1:
            continue
        shown = sum(row["record_count"] for row in table["rows"] if not row["is_suppressed"])
        estimate = total["rows"][0]["record_count"] - shown
        estimates.append((_key_of_row(release, cohort, hidden[0], names), estimate))
    assert len(estimates) > 30, f"only {len(estimates)} responses had exactly one suppressed row"
    assert all(release.truth[key][0] < THRESHOLD for key, _ in estimates)
    true_count = {key: release.truth[key][0] for key, _ in estimates}
    hits, best_guess, answered = intruder_rates(estimates, true_count)
    assert hits <= best_guess + MAX_ADVANTAGE, (hits, best_guess, answered)


# ---- R-API-2: CSV and JSON ---------------------------------------------------------------------------------------


def _two_dimension_table(release: Release) -> tuple[str, str, tuple[str, str]]:
    """(cohort, partition, two dimensions) of a real table with both suppressed and shown rows."""
    tables: dict[tuple[str, str, tuple[str, ...]], set[bool]] = {}
    for (cohort, partition, grouped), (count, _) in release.truth.items():
        if len(grouped) == 2 and release.answerable(cohort, grouped):
            tables.setdefault((cohort, partition, tuple(name for name, _ in grouped)), set()).add(count < THRESHOLD)
    mixed = sorted(table for table, suppressed in tables.items() if suppressed == {True, False})
    assert mixed
    cohort, partition, names = random.Random(SEED).choice(mixed)
    return cohort, partition, (names[0], names[1])


def _as_csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.rules("R-API-2")
def test_csv_and_json_carry_the_same_numbers_on_a_real_table(release: Release) -> None:
    cohort, partition, (first, second) = _two_dimension_table(release)
    params = [("cohort", cohort), ("dims", f"{second},{first}"), *release.partition_filters(cohort, partition)]
    body = release.get(params)
    assert release.get(params) == body  # asked again, the same answer
    response = release.client.get(QUERY, params=[*params, ("format", "csv")])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    names = [column["name"] for column in body["columns"]]
    assert table[0] == names
    assert table[1:] == [[_as_csv_field(row[name]) for name in names] for row in body["rows"]]
    suppressed = [row for row in body["rows"] if row["is_suppressed"]]
    assert suppressed and len(suppressed) < len(body["rows"])
    metric_positions = [names.index(metric) for metric in body["metrics"]]
    for line, row in zip(table[1:], body["rows"], strict=True):
        if row["is_suppressed"]:
            assert all(line[position] == "" for position in metric_positions)  # empty fields, never 0
        # Every row is a real cell, and is suppressed exactly when it holds fewer than 5 records.
        count = release.truth[_key_of_row(release, cohort, row, [first, second])][0]
        assert row["is_suppressed"] is (count < THRESHOLD)


# ---- R-CHG-4 ----------------------------------------------------------------------------------------------------


@pytest.mark.rules("R-CHG-4")
def test_governing_offense_in_custodial_needs_the_sentenced_filter(release: Release) -> None:
    custodial = release.cohorts["custodial"]
    assert custodial["by_dimension"]["governing_offense_type"]["requires_offender_status"] == "Sentenced"
    latest = custodial["by_dimension"][custodial["partition_columns"][0]]["values"][-1]
    params = [("cohort", "custodial"), ("dims", "governing_offense_type"), ("filter", f"snapshot_date:{latest}")]
    refused = release.client.get(QUERY, params=params)
    assert refused.status_code == 400, refused.text
    assert refused.json()["parameter"] == "dims"
    assert f"{OFFENDER_STATUS}:Sentenced" in refused.json()["error"]
    for other in (value for value in custodial["by_dimension"][OFFENDER_STATUS]["values"] if value != "Sentenced"):
        wrong = release.client.get(QUERY, params=[*params, ("filter", f"{OFFENDER_STATUS}:{other}")])
        assert wrong.status_code == 400, wrong.text
    body = release.get([*params, ("filter", f"{OFFENDER_STATUS}:Sentenced")])
    assert body["rows"]
    assert {row[OFFENDER_STATUS] for row in body["rows"]} == {"Sentenced"}
    assert all(row["is_suppressed"] or row["record_count"] >= THRESHOLD for row in body["rows"])


def test_a_combination_the_cubes_do_not_publish_is_refused_and_its_parts_are_answered(release: Release) -> None:
    # R-PUB-4: three dimensions hold at most one detailed dimension (pub_grouping_sets).
    params = [("cohort", "recidivism"), ("dims", "agency,release_type,race")]
    refused = release.client.get(QUERY, params=params)
    assert refused.status_code == 400, refused.text
    assert refused.json()["parameter"] == "dims"
    assert "not published" in refused.json()["error"]
    gender_triple = release.client.get(
        QUERY, params=[("cohort", "recidivism"), ("dims", "gender_identity,race,age_group")]
    )
    assert gender_triple.status_code == 400, gender_triple.text
    for dims in ("agency,release_type", "agency,race,age_group", "gender_identity,race"):
        body = release.get([("cohort", "recidivism"), ("dims", dims)])
        assert body["rows"], dims


# ---- every cohort's total ---------------------------------------------------------------------------------------


@pytest.mark.rules("R-PUB-2", "R-PUB-4")
def test_no_total_row_of_any_cohort_shows_a_count_under_5(release: Release) -> None:
    assert release.catalog["suppression_threshold"] == THRESHOLD
    for cohort in release.cohorts:
        body = release.get([("cohort", cohort)])
        partitions = {key[1] for key in release.truth if key[0] == cohort and not key[2]}
        assert body["row_count"] == len(partitions) > 0, cohort
        for row in body["rows"]:
            assert row["record_count"] is None or row["record_count"] >= THRESHOLD, (cohort, row)
            assert row["is_suppressed"] is (row["record_count"] is None), (cohort, row)
            count = release.truth[_key_of_row(release, cohort, row, [])][0]
            assert row["is_suppressed"] is (count < THRESHOLD), (cohort, row)
