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
from crosstrack.publish import PERSON_LEVEL_COLUMN

pytestmark = pytest.mark.warehouse


def true_counts(truth: dict[Key, tuple[int, int]]) -> dict[Key, int]:
    return {key: count for key, (count, _) in truth.items()}


@pytest.fixture(scope="module")
def cells(built_warehouse):
    return published_cells(built_warehouse.public_database), restricted_cells(built_warehouse.database)


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
    assert abs(sum(noise) / len(noise)) < 0.3  # unbiased but for the floor at 5, which lifts a few small cells


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


def test_every_count_under_5_is_suppressed_and_5_is_shown(cells):
    published, truth = cells
    fours = [key for key, (count, _) in truth.items() if count == 4]
    fives = [key for key, (count, _) in truth.items() if count == 5]
    assert fours and fives  # the session's warehouse has both, so the test means something
    assert all(published[key] is None for key in fours)
    assert all(published[key] is not None and published[key] >= 5 for key in fives)


def test_differencing_two_responses_does_not_recover_a_suppressed_count(cells):
    # The attack of R-PUB-3: a total with and without a filter. For a line with one suppressed cell, the total
    # minus the shown cells is the suppressed cell, up to the perturbation of the cells subtracted. The intruder
    # rounds it into 1..4; he must not do much better than always guessing the most common small count.
    published, truth = cells
    hits, blind, estimated = intruder_rates(differencing_estimates(published), true_counts(truth))
    assert estimated > 500
    assert hits <= blind + MAX_ADVANTAGE


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


def test_the_public_database_holds_public_tables_alone_and_no_person_level_column(built_warehouse):
    tables = query(
        built_warehouse.public_database,
        "select table_schema, table_name from information_schema.tables where table_catalog = current_database()",
    )
    assert tables
    assert {schema for schema, _ in tables} == {"public"}
    assert all(name.startswith("pub_") for _, name in tables)
    columns = query(
        built_warehouse.public_database,
        "select table_name, column_name from information_schema.columns where table_catalog = current_database()",
    )
    assert [f"{t}.{c}" for t, c in columns if PERSON_LEVEL_COLUMN.search(c.lower())] == []


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
