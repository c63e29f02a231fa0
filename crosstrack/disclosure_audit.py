"""Disclosure audit: an intruder's attack on the published cubes (SPEC R-PUB-3), written apart from the code that
perturbs and suppresses them. Used by the tests (tests/python/test_public_layer.py, test_api_release.py) and by
scripts/audit_disclosure.py.

The intruder holds every published cell (from the public file or from API responses) and knows how a cube is
built: within a partition, a cell equals the sum of its children along any further dimension. Hidden cells are
unknowns; each such relation is a linear equation. The attack solves what it can:

1. subtraction, repeated: an equation with one unknown left gives it, which may free others (what anyone can do
   with two API responses, a total with and without a filter);
2. linear algebra: within each connected group of unknowns, an unknown is determined exactly when every solution
   of the homogeneous system is zero there (the null space vanishes on it).

`extra_equalities` lets a stronger intruder also know that two cells hold the same records (for instance a
release counted in the releases and the recidivism cubes).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import numpy as np

Key = tuple[str, str, tuple[tuple[str, str], ...]]  # (cohort, partition, ((dimension, value), ...) sorted)

# The disclosure-risk target of docs/public_layer.md: an intruder who uses the published numbers is right about a
# suppressed count at most 5 points more often than one who guesses blind.
MAX_ADVANTAGE = 0.05


@dataclass
class AttackResult:
    recovered: dict[Key, float] = field(default_factory=dict)
    unknowns: int = 0
    equations: int = 0
    largest_group: int = 0
    groups_too_large: int = 0


def equations_of(cells: dict[Key, float | None]) -> list[dict[Key, int]]:
    """parent = sum of children, for every (parent, dimension) whose children are published cells."""
    children: dict[tuple[Key, str], list[Key]] = defaultdict(list)
    for key in cells:
        cohort, partition, grouped = key
        for position in range(len(grouped)):
            parent = (cohort, partition, grouped[:position] + grouped[position + 1 :])
            if parent in cells:
                children[(parent, grouped[position][0])].append(key)
    equations = []
    for (parent, _dimension), members in children.items():
        equation = {member: 1 for member in members}
        equation[parent] = -1
        equations.append(equation)
    return equations


def attack(
    cells: dict[Key, float | None],
    extra_equalities: list[tuple[Key, Key]] = (),
    max_group: int = 2500,
    solve_groups: bool = True,
) -> AttackResult:
    known = {key: value for key, value in cells.items() if value is not None}
    equations = equations_of(cells) + [{a: 1, b: -1} for a, b in extra_equalities if a != b]
    result = AttackResult(unknowns=len(cells) - len(known), equations=len(equations))

    # 1. Repeated subtraction.
    pending = list(range(len(equations)))
    progress = True
    while progress:
        progress = False
        still = []
        for number in pending:
            equation = equations[number]
            unknown = [key for key in equation if key not in known]
            if len(unknown) == 1:
                target = unknown[0]
                rest = sum(coefficient * known[key] for key, coefficient in equation.items() if key != target)
                known[target] = -rest / equation[target]
                result.recovered[target] = known[target]
                progress = True
            elif unknown:
                still.append(number)
        pending = still

    if not solve_groups:
        return result

    # 2. Linear algebra on what is left, group by group.
    parent: dict[Key, Key] = {}

    def find(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for number in pending:
        unknown = [key for key in equations[number] if key not in known]
        for other in unknown[1:]:
            parent[find(other)] = find(unknown[0])
    groups: dict[Key, list[int]] = defaultdict(list)
    for number in pending:
        first = next(key for key in equations[number] if key not in known)
        groups[find(first)].append(number)
    for numbers in groups.values():
        unknown = sorted({key for number in numbers for key in equations[number] if key not in known})
        result.largest_group = max(result.largest_group, len(unknown))
        if len(unknown) > max_group:
            result.groups_too_large += 1
            continue
        column = {key: position for position, key in enumerate(unknown)}
        matrix = np.zeros((len(numbers), len(unknown)))
        rhs = np.zeros(len(numbers))
        for row, number in enumerate(numbers):
            for key, coefficient in equations[number].items():
                if key in column:
                    matrix[row, column[key]] = coefficient
                else:
                    rhs[row] -= coefficient * known[key]
        _, singular, vt = np.linalg.svd(matrix)
        rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
        null_space = vt[rank:]
        solution = np.linalg.lstsq(matrix, rhs, rcond=None)[0]
        for position, key in enumerate(unknown):
            if null_space.shape[0] == 0 or np.abs(null_space[:, position]).max() < 1e-8:
                result.recovered[key] = float(solution[position])
    return result


def query(database, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def published_cells(public_database) -> dict[Key, float | None]:
    """Every published cell of every cube, keyed as the intruder sees it; None when suppressed."""
    cells: dict[Key, float | None] = {}
    for cohort, table, partitions in query(
        public_database, "select cohort, table_name, partition_columns from public.pub_cohorts"
    ):
        partition_columns = partitions.split(",")
        dimensions = [
            name
            for (name,) in query(
                public_database,
                "select distinct dimension from public.pub_dimensions where cohort = ? and not is_partition",
                [cohort],
            )
        ]
        columns = ", ".join([*partition_columns, "dimensions", *dimensions, "record_count"])
        for row in query(public_database, f"select {columns} from public.{table}"):
            values = dict(zip([*partition_columns, "dimensions", *dimensions, "record_count"], row, strict=True))
            partition = "|".join(str(values[name]) for name in partition_columns)
            grouped = tuple((name, values[name]) for name in values["dimensions"].split(",") if name)
            cells[(cohort, partition, grouped)] = values["record_count"]
    return cells


def restricted_cells(database) -> dict[Key, tuple[int, int]]:
    """The true count and record fingerprint of every cell (restricted layer)."""
    found = query(
        database,
        "select cohort, partition_key, dimensions, dimension_values, record_count, record_fingerprint"
        " from intermediate.int_public_cells",
    )
    cells = {}
    for cohort, partition, dimensions, values, count, fingerprint in found:
        names = dimensions.split(",") if dimensions else []
        grouped = tuple(zip(names, values.split("|") if names else [], strict=True))
        cells[(cohort, partition, grouped)] = (count, fingerprint)
    return cells


def one_partition_per_cohort(cells: dict) -> dict:
    """The cells of the latest partition of each cohort (partitions share no relation, so this is a whole attack)."""
    latest = {}
    for cohort, partition, _ in cells:
        latest[cohort] = max(latest.get(cohort, partition), partition)
    return {key: value for key, value in cells.items() if key[1] == latest[key[0]]}


def differencing_estimates(cells: dict[Key, float | None]) -> list[tuple[Key, float]]:
    """The attack of two responses, a total with and without a filter: for every relation in which one child alone
    is suppressed, the parent minus the shown children (one estimate per relation, so a cell can get several)."""
    estimates = []
    for equation in equations_of(cells):
        hidden = [key for key in equation if cells[key] is None]
        if len(hidden) == 1 and equation[hidden[0]] == 1:
            estimates.append((hidden[0], -sum(sign * cells[key] for key, sign in equation.items() if key != hidden[0])))
    return estimates


def same_records_equalities(keys: Iterable[Key], truth: dict[Key, tuple[int, int]]) -> list[tuple[Key, Key]]:
    """Pairs of cells that hold the same records (same true count and fingerprint): what a strong intruder knows."""
    by_records: dict[tuple[int, int], list[Key]] = {}
    for key in keys:
        by_records.setdefault(truth[key], []).append(key)
    return [(group[0], other) for group in by_records.values() for other in group[1:]]


def intruder_rates(estimates: Iterable[tuple[Key, float]], true_count: dict[Key, int]) -> tuple[float, float, int]:
    """(how often the intruder's estimate, rounded and kept within 1..4, is the true count; how often the best blind
    guess, the most common true count, is; how many estimates)."""
    pairs = [(min(4, max(1, round(estimate))), true_count[key]) for key, estimate in estimates]
    if not pairs:
        return 0.0, 0.0, 0
    hits = sum(guess == truth for guess, truth in pairs) / len(pairs)
    blind = Counter(truth for _, truth in pairs).most_common(1)[0][1] / len(pairs)
    return hits, blind, len(pairs)
