"""The public layer on the session's warehouse: suppression (R-PUB-2), no recovery of a suppressed cell (R-PUB-3), no
person-level data in the published file (R-PUB-1)."""

from __future__ import annotations

import duckdb
import pytest

from crosstrack.disclosure_audit import (
    MAX_ADVANTAGE,
    Key,
    attack,
    differencing_estimates,
    intruder_rates,
    one_partition_per_cohort,
    published_cells,
    query,
    restricted_cells,
    same_records_equalities,
)
from crosstrack.public_utility import paired_cells
from crosstrack.publish import is_person_level

pytestmark = pytest.mark.warehouse


def true_counts(truth: dict[Key, tuple[int, int]]) -> dict[Key, int]:
    return {key: count for key, (count, _) in truth.items()}


@pytest.fixture(scope="module")
def cells(built_warehouse):
    return published_cells(built_warehouse.public_database), restricted_cells(built_warehouse.database)


@pytest.mark.rules("R-PUB-2", "R-PUB-3")
def test_a_shown_count_is_the_true_count_perturbed_and_never_under_5(cells):
    published, truth = cells
    assert published.keys() == truth.keys()
    noise = []
    for key, value in published.items():
        count, _ = truth[key]
        if count < 5:
            assert value is None, key  # suppressed is null (with is_suppressed), never 0 (R-PUB-2)
        else:
            assert value >= 5, key
            noise.append(value - count)
    # The perturbation is applied (most cells moved, both ways) and is close to unbiased.
    moved = sum(1 for n in noise if n != 0) / len(noise)
    assert 0.4 < moved < 0.9
    assert min(noise) <= -2 and max(noise) >= 2
    assert abs(sum(noise) / len(noise)) < 0.6  # unbiased but for the floor at 5, which lifts small cells


@pytest.mark.rules("R-PUB-3")
def test_the_same_records_get_the_same_published_count_in_every_cube(cells):
    published, truth = cells
    by_records: dict[tuple[int, int], list[Key]] = {}
    for key, (count, fingerprint) in truth.items():
        if count >= 5:
            by_records.setdefault((count, fingerprint), []).append(key)
    shared = [keys for keys in by_records.values() if len({key[0] for key in keys}) > 1]
    assert shared  # releases to the community are counted in the releases and the recidivism cubes
    for keys in by_records.values():
        assert len({published[key] for key in keys}) == 1, keys


@pytest.mark.rules("R-PUB-2")
def test_every_count_under_5_is_suppressed_and_5_is_shown(cells):
    published, truth = cells
    fours = [key for key, (count, _) in truth.items() if count == 4]
    fives = [key for key, (count, _) in truth.items() if count == 5]
    assert fours and fives  # the session's warehouse has both, so the test means something
    assert all(published[key] is None for key in fours)
    assert all(published[key] is not None and published[key] >= 5 for key in fives)


@pytest.mark.rules("R-PUB-3")
def test_differencing_two_responses_does_not_recover_a_suppressed_count(cells):
    # The attack of R-PUB-3: a total with and without a filter. For a line with one suppressed cell, the total
    # minus the shown cells is the suppressed cell, up to the perturbation of the cells subtracted. The intruder
    # rounds it into 1..4; he must not do much better than always guessing the most common small count.
    published, truth = cells
    hits, blind, estimated = intruder_rates(differencing_estimates(published), true_counts(truth))
    assert estimated > 500
    assert hits <= blind + MAX_ADVANTAGE


@pytest.mark.rules("R-PUB-3")
def test_solving_every_published_relation_at_once_does_not_recover_suppressed_counts(cells):
    # The strongest linear attack: every relation of the cubes, plus the knowledge of which cells of different
    # cubes hold the same records, solved together (on the latest partition of each cohort, to keep it quick).
    published, truth = cells
    published = one_partition_per_cohort(published)
    result = attack(published, extra_equalities=same_records_equalities(published, truth))
    assert result.groups_too_large == 0, f"a group of {result.largest_group} unknowns was too large to solve"
    small = [(key, value) for key, value in result.recovered.items() if truth[key][0] < 5]
    hits, blind, estimated = intruder_rates(small, true_counts(truth))
    assert estimated > 200  # the attack pins down many suppressed cells, up to the perturbation
    assert hits <= blind + MAX_ADVANTAGE


def test_without_perturbation_the_same_attack_recovers_suppressed_counts_exactly(cells):
    # Primary suppression alone (R-PUB-2 without R-PUB-3) loses small cells to the same attack: it is strong
    # enough to catch what the perturbation prevents.
    _, truth = cells
    primary_only = {key: (None if count < 5 else count) for key, (count, _) in one_partition_per_cohort(truth).items()}
    result = attack(primary_only, solve_groups=False)  # subtraction alone is enough
    small = [key for key in result.recovered if truth[key][0] < 5]
    assert len(small) > 200
    assert all(abs(result.recovered[key] - truth[key][0]) < 1e-6 for key in small)


@pytest.mark.rules("R-PUB-1")
def test_the_public_database_holds_public_tables_alone_and_no_person_level_column(built_warehouse):
    tables = query(
        built_warehouse.public_database,
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = current_database()",
    )
    assert tables
    assert {schema for schema, _, _ in tables} == {"public"}
    # The public models' tables, and the BI views over them (crosstrack/publish.py).
    assert all(name.startswith("pub_" if kind == "BASE TABLE" else "bi_") for _, name, kind in tables)
    columns = query(
        built_warehouse.public_database,
        "select table_name, column_name from information_schema.columns where table_catalog = current_database()",
    )
    assert [f"{t}.{c}" for t, c in columns if is_person_level(c)] == []


@pytest.mark.rules("R-PUB-1", "R-PUB-5")
def test_no_identifier_of_a_person_appears_anywhere_in_the_public_database(built_warehouse):
    # Content, not names: no person key, SID, name or docket number of the restricted layer is a value of any
    # text column of the published file.
    identifiers = {
        value
        for (value,) in query(
            built_warehouse.database,
            "select distinct person_key from intermediate.int_person_records_linked where person_key is not null",
        )
    }
    assert len(identifiers) > 100
    con = duckdb.connect(str(built_warehouse.public_database), read_only=True)
    try:
        text_columns = con.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_catalog = current_database() and data_type = 'VARCHAR'"
        ).fetchall()
        published_values = set()
        for table, column in text_columns:
            published_values |= {
                value for (value,) in con.execute(f'select distinct "{column}" from public."{table}"').fetchall()
            }
    finally:
        con.close()
    assert published_values & identifiers == set()


# ---- R-PUB-4: every published value protected ------------------------------------------------------------------

THRESHOLD = 5


@pytest.fixture(scope="module")
def paired(built_warehouse):
    return paired_cells(built_warehouse.database, built_warehouse.public_database)


@pytest.fixture(scope="module")
def units(built_warehouse):
    rows = query(built_warehouse.public_database, "select cohort, metric, unit from public.pub_metrics")
    return {(cohort, metric): unit for cohort, metric, unit in rows}


def metrics_of(units, kinds):
    return [(cohort, metric) for (cohort, metric), unit in units.items() if unit in kinds]


@pytest.mark.rules("R-PUB-4")
def test_no_count_of_1_to_4_is_ever_published_and_a_count_is_withheld_exactly_when_under_5(paired, units):
    counts = metrics_of(units, {"records", "enrollments"})
    assert {metric for _, metric in counts} >= {"record_count", "program_enrollments", "reincarceration_count"}
    withheld = shown = 0
    for cohort, metric in counts:
        for cell in paired[cohort]:
            value, true = cell[f"published.{metric}"], cell[f"true.{metric}"]
            records = cell["true.record_count"]
            small = records < THRESHOLD or true < THRESHOLD
            if metric.endswith("_count") and metric != "record_count":
                small = small or records - true < THRESHOLD  # everyone (or all but 1-4) had the outcome
            if small:
                assert value is None, (cohort, metric, cell["partition"], cell["dimensions"], true)
                withheld += 1
            elif value is None:
                # A count of a subset is also withheld as the complement of another (secondary suppression,
                # test_disclosure_attacks), and an outcome count when it cannot fit between the threshold and the
                # published record count less it; a record count is withheld under 5 alone.
                assert metric != "record_count", (cohort, metric, cell["partition"], cell["dimensions"], true)
            else:
                assert value >= THRESHOLD, (cohort, metric, cell["partition"], true, value)
                shown += 1
    assert withheld > 1000 and shown > 1000  # both sides of the rule are exercised


@pytest.mark.rules("R-PUB-4")
def test_every_count_is_perturbed_with_the_key_of_the_records_it_counts(paired, units):
    # The same records give the same value (one key, one noise), and a different subset of the same cell gets
    # noise of its own: the 2-year reoffenders are not the 1-year ones plus an exact difference.
    counts = metrics_of(units, {"records", "enrollments"})
    by_key: dict[tuple[str, int], set] = {}
    moved = total = 0
    for cohort, metric in counts:
        key_column = "record_fingerprint" if metric == "record_count" else f"{metric}_key"
        for cell in paired[cohort]:
            value = cell[f"published.{metric}"]
            if value is None:
                continue
            # An outcome count is also kept under the record count (public_cube), so it depends on both keys.
            records = cell["record_fingerprint"] if metric.endswith("_count") and metric != "record_count" else None
            by_key.setdefault((metric, cell[key_column], records), set()).add(value)
            moved += value != cell[f"true.{metric}"]
            total += 1
    assert all(len(values) == 1 for values in by_key.values())
    assert 0.4 < moved / total < 0.9

    # Follow-ups of one release year and one grouping hold the same releases; their outcome counts differ by the
    # releases whose outcome came later. That difference is not published: it carries the noise of two subsets.
    cells: dict[tuple[str, int], dict[int, dict]] = {}
    for cell in paired["recidivism"]:
        year, followup = cell["partition"].split("|")
        cells.setdefault((year, cell["record_fingerprint"]), {})[int(followup)] = cell
    exact = pairs = 0
    for by_followup in cells.values():
        if 1 in by_followup and 2 in by_followup:
            first, second = by_followup[1], by_followup[2]
            for measure in ("rearraignment", "reconviction", "reincarceration"):
                a, b = first[f"published.{measure}_count"], second[f"published.{measure}_count"]
                true_a, true_b = first[f"true.{measure}_count"], second[f"true.{measure}_count"]
                if a is not None and b is not None and 1 <= true_b - true_a <= 4:
                    pairs += 1
                    exact += (b - a) == (true_b - true_a)
    assert pairs > 100
    assert exact / pairs < 0.5  # with one noise per cell (not per subset) every such difference would be exact


@pytest.mark.rules("R-PUB-4")
def test_a_rate_is_the_published_count_over_the_published_record_count(paired, units):
    rates = metrics_of(units, {"proportion"})
    assert rates
    checked = 0
    for cohort, metric in rates:
        numerator = metric.replace("_rate", "_count")
        for cell in paired[cohort]:
            rate, count, records = (cell[f"published.{name}"] for name in (metric, numerator, "record_count"))
            if count is None:
                assert rate is None
                continue
            assert rate == pytest.approx(count / records, abs=0.5e-4 + 1e-12)  # rounded to 4 decimals
            assert 0 < rate < 1 and THRESHOLD <= count <= records - THRESHOLD  # never "all" or "none" of a group
            checked += 1
    assert checked > 1000


@pytest.mark.rules("R-PUB-4", "R-INC-4")
def test_means_and_medians_are_perturbed_most_in_small_cells(paired, units):
    magnitudes = metrics_of(units, {"days"})
    assert {metric for _, metric in magnitudes} == {"mean_incarceration_days", "median_incarceration_days"}
    for cohort, metric in magnitudes:
        small, large = [], []
        for cell in paired[cohort]:
            value, true = cell[f"published.{metric}"], cell[f"true.{metric}"]
            if value is None:
                assert cell["true.record_count"] < THRESHOLD
                continue
            assert value == int(value) and value >= 1  # whole days
            (small if cell["true.record_count"] < 20 else large).append(abs(value - true) / max(true, 1))
        changed = sum(1 for error in small if error > 0.005) / len(small)
        assert changed > 0.5, (cohort, metric, changed)  # a small cell's mean or median is not its true one
        assert sum(large) / len(large) < sum(small) / len(small)  # and large cells are moved least


@pytest.mark.rules("R-API-3", "R-CHG-4")
def test_cubes_publish_only_the_grouping_sets_of_the_catalog(built_warehouse):
    published = set(query(built_warehouse.public_database, "select cohort, dimensions from public.pub_grouping_sets"))
    detailed = {"agency", "release_type", "gender_identity", "governing_offense_sub_type", "leading_charge_sub_type"}
    for _cohort, dimensions in published:
        names = set(dimensions.split(",")) - {""}
        assert len(names) <= 2 or len(names & detailed) <= 1, dimensions
        assert "gender_identity" not in names or len(names) <= 2, dimensions
    for cohort, table in query(built_warehouse.public_database, "select cohort, table_name from public.pub_cohorts"):
        in_cube = {
            dims
            for (dims,) in query(built_warehouse.public_database, f"select distinct dimensions from public.{table}")
        }
        assert in_cube and {(cohort, dims) for dims in in_cube} <= published
