"""Disclosure audit: an intruder's attacks on the published cubes (R-PUB-3), written apart from the code that
perturbs and suppresses them, so that they judge any release. Used by the tests (test_public_layer.py,
test_api_release.py, test_disclosure_attacks.py) and by scripts/audit_disclosure.py (`make audit`).

The intruder holds every published cell (from the public file or from API responses) and knows how a cube is
built: within a partition, a cell equals the sum of its children along any further dimension, for every count
(records, enrollments, outcomes); the recidivism follow-ups of one release year hold the same records when their
published record counts agree; the noise law of the published method. The attacks (`run_audit`):

a. differencing: a total against its split along one more dimension, for every count-like metric;
b. rate inversion: every published rate of a recidivism cell and its follow-ups, jointly, pins the true record
   count (an integer denominator consistent with every rate at its rounding), then exact differencing;
c. mean inversion: a total's mean x count minus the shown children's estimates a hidden child's mean;
d. cross-cube equalities: cells over the same records in two cubes solved jointly with every relation;
e. integer programming bounds (scipy.optimize.milp, HiGHS) on small groups of hidden cells;
f. two releases at different as_of dates: the difference of a cell's published values;
g. group attribute disclosure: "every member of this group had the outcome (or none did)";
h. published count-like values between 1 and 4;
i. the joint system of a subset count (enrollments, outcomes): every relation of a cube at once, hidden values
   bounded to 0..4, solved by bounded least squares.

Each attack is scored on the cells it attacks against a blind guess on the same cells: the best constant an
intruder who knows only that the cell is suppressed could guess, the most common true value among the attacked
cells (an upper bound on any blind guess), and for "within 1" the constant whose +-1 band holds most true values.
Every attack also runs on an unprotected release made from the truth (primary suppression alone, exact counts,
rates and means): the control that proves the attack has power.
"""

from __future__ import annotations

import itertools
import statistics
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import numpy as np

from crosstrack.public_utility import CELLS_MODELS, PUBLICATION_SCHEMA

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
    """parent = sum of children, for every (parent, dimension) whose children are published cells (relations)."""
    return [{**dict.fromkeys(members, 1), parent: -1} for parent, members in relations(cells)]


def attack(
    cells: dict[Key, float | None],
    extra_equalities: list[tuple[Key, Key]] = (),
    max_group: int = 2500,
    solve_groups: bool = True,
) -> AttackResult:
    """Hidden cells are unknowns, each relation a linear equation; solve what can be: 1. subtraction, repeated (an
    equation with one unknown left gives it, which may free others); 2. linear algebra: within each connected group
    of unknowns, an unknown is determined exactly when every solution of the homogeneous system is zero there.
    `extra_equalities`: pairs of cells a stronger intruder knows to hold the same records."""
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
        f" from {PUBLICATION_SCHEMA}.int_public_cells",
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


# ---- The release as the intruder holds it, and the truth ----------------------------------------------------------

COUNT_UNITS = ("records", "enrollments")
# The restricted cells model of each cohort: every cell with the true value of every metric under its public name.
TRUTH_MODELS = CELLS_MODELS
RATE_PRECISION = 4  # a published rate's decimals (the intruder reads them off the release)

Values = dict[str, float | None]


@dataclass
class Cube:
    cohort: str
    table: str
    partitions: list[str]
    dimensions: list[str]
    units: dict[str, str]  # metric -> unit, from public.pub_metrics

    @property
    def counts(self) -> list[str]:
        return [metric for metric, unit in self.units.items() if unit in COUNT_UNITS]

    @property
    def rates(self) -> dict[str, str]:
        """measure -> its rate metric, for the rates of an outcome (`<measure>_rate`)."""
        return {m.removesuffix("_rate"): m for m, unit in self.units.items() if unit == "proportion"}


@dataclass
class Release:
    cubes: dict[str, Cube]
    cells: dict[str, dict[Key, Values]]  # cohort -> cell -> metric -> published value (None: suppressed/withheld)
    label: str = "release"
    _links: dict[str, list[tuple[Key, list[Key]]]] = field(default_factory=dict, repr=False)

    def links(self, cohort: str) -> list[tuple[Key, list[Key]]]:
        """The relations of a cohort's cells (computed once)."""
        if cohort not in self._links:
            self._links[cohort] = relations(self.cells[cohort])
        return self._links[cohort]


def catalog(public_database) -> dict[str, Cube]:
    cubes = {}
    for cohort, table, partitions in query(
        public_database, "select cohort, table_name, partition_columns from public.pub_cohorts order by cohort_order"
    ):
        dimensions = query(
            public_database,
            "select dimension, min(dimension_order) from public.pub_dimensions where cohort = ? and not is_partition"
            " group by dimension order by 2",
            [cohort],
        )
        units = query(
            public_database,
            "select metric, unit from public.pub_metrics where cohort = ? order by metric_order",
            [cohort],
        )
        cubes[cohort] = Cube(cohort, table, partitions.split(","), [name for name, _ in dimensions], dict(units))
    return cubes


def chosen_partitions(public_database, cubes: dict[str, Cube], per_cohort: int | None) -> dict[str, list] | None:
    """The values of each cohort's first partition column the audit keeps: the latest `per_cohort` (None: all).
    Partitions share no relation, so a subset is a whole attack; the releases cube keeps the release years the
    recidivism cube keeps, so that cells over the same records in both are in the audit (attack d)."""
    if per_cohort is None:
        return None
    chosen = {}
    for cohort, cube in cubes.items():
        first = cube.partitions[0]
        values = [v for (v,) in query(public_database, f"select distinct {first} from public.{cube.table} order by 1")]
        chosen[cohort] = values[-per_cohort:]
    if "releases" in chosen and "recidivism" in chosen:
        years = set(chosen["recidivism"])
        first = cubes["releases"].partitions[0]
        values = [v for (v,) in query(public_database, f"select distinct {first} from public.pub_releases order by 1")]
        chosen["releases"] = [v for v in values if v in years] or chosen["releases"]
    return chosen


def _where(cube: Cube, chosen: dict[str, list] | None) -> tuple[str, list]:
    if chosen is None or cube.cohort not in chosen:
        return "", []
    values = chosen[cube.cohort]
    return f" where {cube.partitions[0]} in ({', '.join('?' for _ in values)})", list(values)


def load_release(public_database, chosen: dict[str, list] | None = None, label: str = "release") -> Release:
    """Every published cell of every cube (of the chosen partitions), keyed as `published_cells` keys them."""
    cubes = catalog(public_database)
    cells: dict[str, dict[Key, Values]] = {}
    for cohort, cube in cubes.items():
        names = [*cube.partitions, "dimensions", *cube.dimensions, *cube.units]
        where, parameters = _where(cube, chosen)
        found = {}
        for row in query(public_database, f"select {', '.join(names)} from public.{cube.table}{where}", parameters):
            values = dict(zip(names, row, strict=True))
            partition = "|".join(str(values[name]) for name in cube.partitions)
            grouped = tuple((name, values[name]) for name in values["dimensions"].split(",") if name)
            found[(cohort, partition, grouped)] = {
                metric: (None if values[metric] is None else float(values[metric])) for metric in cube.units
            }
        cells[cohort] = found
    return Release(cubes, cells, label)


def load_truth(database, cubes: dict[str, Cube], chosen: dict[str, list] | None = None) -> dict[str, dict[Key, Values]]:
    """The true value of every published metric of every cell (restricted), with `record_fingerprint` and, for a
    cube with rates, the true outcome count `<measure>_count` (read, or rate x record count when not a column)."""
    truth: dict[str, dict[Key, Values]] = {}
    for cohort, cube in cubes.items():
        model = TRUTH_MODELS[cohort]
        columns = {
            name for (name,) in query(database, f"select column_name from (describe {PUBLICATION_SCHEMA}.{model})")
        }
        selected = {metric: metric for metric in cube.units if metric in columns}
        selected["record_fingerprint"] = "record_fingerprint"
        for measure, rate in cube.rates.items():
            count = f"{measure}_count"
            selected[count] = count if count in columns else f"round({rate} * record_count)"
        where, parameters = _where(cube, chosen)
        sql = (
            f"select partition_key, dimensions, dimension_values, {', '.join(selected.values())}"
            f" from {PUBLICATION_SCHEMA}.{model}{where}"
        )
        found = {}
        for partition, dimensions, dimension_values, *values in query(database, sql, parameters):
            names = dimensions.split(",") if dimensions else []
            grouped = tuple(zip(names, dimension_values.split("|") if names else [], strict=True))
            found[(cohort, partition, grouped)] = {
                name: (None if value is None else float(value)) for name, value in zip(selected, values, strict=True)
            }
        truth[cohort] = found
    return truth


def unprotected_release(truth: dict[str, dict[Key, Values]], cubes: dict[str, Cube], threshold: int = 5) -> Release:
    """The control: the release made from the truth with primary suppression alone (a cell of under `threshold`
    records is hidden, every other value published exactly: counts, rates, means and medians)."""
    cells = {
        cohort: {
            key: {
                metric: (values[metric] if (values["record_count"] or 0) >= threshold else None)
                for metric in cube.units
            }
            for key, values in truth[cohort].items()
        }
        for cohort, cube in cubes.items()
    }
    return Release(cubes, cells, "control")


def relations(cells: Iterable[Key]) -> list[tuple[Key, list[Key]]]:
    """(parent, children) for every parent and further dimension: the parent is the sum of its children."""
    cells = set(cells)
    children: dict[tuple[Key, str], list[Key]] = defaultdict(list)
    for key in cells:
        cohort, partition, grouped = key
        for position in range(len(grouped)):
            parent = (cohort, partition, grouped[:position] + grouped[position + 1 :])
            if parent in cells:
                children[(parent, grouped[position][0])].append(key)
    return [(parent, sorted(members)) for (parent, _), members in sorted(children.items())]


# ---- Scoring -------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One attack on one cube and metric: how many cells it attacks, how often its estimate is exact and within 1,
    and the blind guess's figures on the same cells. `within_one` is None where it has no meaning."""

    attack: str
    cube: str
    metric: str
    attacked: int
    exact: int
    within_one: int | None
    blind_exact: int
    blind_within_one: int | None
    release: str = "release"
    note: str = ""

    @property
    def advantage(self) -> float:
        """The intruder's exact hit rate minus the blind guess's."""
        return (self.exact - self.blind_exact) / self.attacked if self.attacked else 0.0


def blind_hits(truths: list[float]) -> tuple[int, int]:
    """The best constant guesses on these true values: (hits of the most common value, hits within 1 of the
    constant whose +-1 band holds most values)."""
    if not truths:
        return 0, 0
    counts = Counter(round(t) for t in truths)
    exact = counts.most_common(1)[0][1]
    within = max(sum(counts.get(c + d, 0) for d in (-1, 0, 1)) for c in counts)
    return exact, within


def score(
    attack_name: str, cube: str, metric: str, pairs: list[tuple[float, float]], release: str, note: str = ""
) -> Row:
    """pairs: (the intruder's integer estimate, the true value) for each attacked cell."""
    exact = sum(round(e) == round(t) for e, t in pairs)
    within = sum(abs(round(e) - round(t)) <= 1 for e, t in pairs)
    blind_exact, blind_within = blind_hits([t for _, t in pairs])
    return Row(attack_name, cube, metric, len(pairs), exact, within, blind_exact, blind_within, release, note)


def guess(metric: str, estimate: float) -> int:
    """The intruder's integer guess of a hidden count: a suppressed record count is 1..4, any count >= 0."""
    value = round(estimate)
    return min(4, max(1, value)) if metric == "record_count" else max(0, value)


def _median_guesses(metric: str, estimates: dict[Key, list[float]], truth: dict[Key, Values], true_metric=None):
    true_metric = true_metric or metric
    return [
        (guess(metric, statistics.median(found)), truth[key][true_metric])
        for key, found in sorted(estimates.items())
        if truth[key].get(true_metric) is not None
    ]


# ---- a. differencing ----------------------------------------------------------------------------------------------


def attack_differencing(release: Release, truth: dict[str, dict[Key, Values]]) -> list[Row]:
    """A total minus its shown children along one more dimension gives a hidden child; hidden total = sum of its
    shown children. For every count-like metric, on every value hidden (suppressed cell or value withheld within
    a shown cell); several relations give a cell several estimates: the intruder takes their median."""
    rows = []
    for cohort, cube in release.cubes.items():
        cells = release.cells[cohort]
        hiding = {key for key, values in cells.items() if any(values[metric] is None for metric in cube.counts)}
        links = [(p, c) for p, c in release.links(cohort) if p in hiding or any(child in hiding for child in c)]
        for metric in cube.counts:
            estimates: dict[Key, list[float]] = defaultdict(list)
            for parent, children in links:
                values = [cells[child][metric] for child in children]
                hidden = [child for child, value in zip(children, values, strict=True) if value is None]
                total = cells[parent][metric]
                if total is not None and len(hidden) == 1:
                    estimates[hidden[0]].append(total - sum(value for value in values if value is not None))
                elif total is None and not hidden:
                    estimates[parent].append(sum(values))
            pairs = _median_guesses(metric, estimates, truth[cohort])
            rows.append(score("a differencing", cohort, metric, pairs, release.label))
    return rows


# ---- b. rate inversion --------------------------------------------------------------------------------------------


@dataclass
class Pin:
    records: int
    outcomes: dict[str, int]  # measure -> outcome count


def _fits(rate: float, denominator: int) -> int | None:
    """The numerator k with round(k / denominator, RATE_PRECISION) == rate, if any."""
    numerator = round(rate * denominator)
    tolerance = 0.5 * 10**-RATE_PRECISION + 1e-9
    return numerator if abs(numerator / denominator - rate) <= tolerance else None


def pin_counts(release: Release, window: int = 12) -> dict[Key, Pin]:
    """For every shown cell of a cube with rates: the follow-ups of the same release year and dimensions whose
    published record counts agree hold the same records; search every integer denominator within `window` of the
    published count for one consistent with every published rate at its rounding (numerators not decreasing
    with the follow-up); a unique candidate pins the cells' record count and outcome counts."""
    pins: dict[Key, Pin] = {}
    for cohort, cube in release.cubes.items():
        rates = cube.rates
        if not rates or len(cube.partitions) < 2:
            continue
        cells = release.cells[cohort]
        siblings: dict[tuple, list[Key]] = defaultdict(list)
        for key in cells:
            year = key[1].rsplit("|", 1)[0]
            siblings[(year, key[2])].append(key)
        for keys in siblings.values():
            by_count: dict[float, list[Key]] = defaultdict(list)
            for key in keys:
                if cells[key]["record_count"] is not None:
                    by_count[cells[key]["record_count"]].append(key)
            for published, group in by_count.items():
                group.sort(key=lambda key: int(key[1].split("|")[-1]))
                observed = [
                    (key, measure, cells[key][metric])
                    for key in group
                    for measure, metric in rates.items()
                    if cells[key][metric] is not None
                ]
                if not observed:
                    continue
                candidates = []
                for denominator in range(max(1, int(published) - window), int(published) + window + 1):
                    numerators = {}
                    for key, measure, rate in observed:
                        numerator = _fits(rate, denominator)
                        if numerator is None:
                            break
                        numerators[(key, measure)] = numerator
                    else:
                        ordered = all(
                            numerators.get((a, m), 0) <= numerators.get((b, m), denominator)
                            for a, b in itertools.pairwise(group)
                            for m in rates
                        )
                        if ordered:
                            candidates.append((denominator, numerators))
                if len(candidates) == 1:
                    denominator, numerators = candidates[0]
                    for key in group:
                        outcomes = {m: numerators[(key, m)] for m in rates if (key, m) in numerators}
                        pins[key] = Pin(denominator, outcomes)
    return pins


def attack_rate_inversion(
    release: Release, truth: dict[str, dict[Key, Values]], pins: dict[Key, Pin]
) -> tuple[list[Row], dict[str, int]]:
    """Exact differencing with the pinned counts: a hidden cell whose parent and other siblings are all pinned gets
    its record count and outcome counts. Also scores the small outcome counts (1-4) the pins reveal in shown cells."""
    rows, figures = [], {"pinned cells": 0, "pinned correctly": 0}
    for cohort, cube in release.cubes.items():
        rates = cube.rates
        if not rates or len(cube.partitions) < 2:
            continue
        cells, true = release.cells[cohort], truth[cohort]
        mine = {key: pin for key, pin in pins.items() if key[0] == cohort}
        figures["pinned cells"] += len(mine)
        figures["pinned correctly"] += sum(pin.records == true[key]["record_count"] for key, pin in mine.items())
        records: dict[Key, list[float]] = defaultdict(list)
        outcomes: dict[str, dict[Key, list[float]]] = {measure: defaultdict(list) for measure in rates}
        for parent, children in release.links(cohort):
            hidden = [child for child in children if cells[child]["record_count"] is None]
            others = [child for child in children if child not in hidden]
            if len(hidden) != 1 or parent not in mine or any(child not in mine for child in others):
                continue
            records[hidden[0]].append(mine[parent].records - sum(mine[child].records for child in others))
            for measure in rates:
                if measure in mine[parent].outcomes and all(measure in mine[child].outcomes for child in others):
                    total = mine[parent].outcomes[measure]
                    outcomes[measure][hidden[0]].append(total - sum(mine[c].outcomes[measure] for c in others))
        rows.append(
            score(
                "b rate inversion",
                cohort,
                "record_count",
                _median_guesses("record_count", records, true),
                release.label,
            )
        )
        single = revealed = 0
        for measure in rates:
            metric = f"{measure}_count"
            pairs = _median_guesses(metric, outcomes[measure], true)
            rows.append(score("b rate inversion", cohort, metric, pairs, release.label))
            for key, found in outcomes[measure].items():
                value, actual = guess(metric, statistics.median(found)), true[key][metric]
                single += true[key]["record_count"] == 1 and value == actual
                revealed += value == actual and 1 <= actual <= 4
            shown = [
                (pin.outcomes[measure], true[key][metric])
                for key, pin in sorted(mine.items())
                if measure in pin.outcomes and 1 <= pin.outcomes[measure] <= 4
            ]
            revealed += sum(value == actual for value, actual in shown)
            rows.append(score("b rate inversion", cohort, f"{metric} (shown, pinned 1-4)", shown, release.label))
        figures["single-release outcomes recovered"] = figures.get("single-release outcomes recovered", 0) + single
        figures["exact counts of 1-4 re-offenders revealed"] = (
            figures.get("exact counts of 1-4 re-offenders revealed", 0) + revealed
        )
    return rows, figures


# ---- c. mean inversion --------------------------------------------------------------------------------------------


def attack_means(release: Release, truth: dict[str, dict[Key, Values]]) -> tuple[list[Row], dict[str, float]]:
    """A hidden child's sum = the total's mean x count minus the shown children's mean x count, its count the
    total's count minus theirs (kept within 1..4); its mean = sum / count. Scored in days, not counts: `exact` is
    within 1 day of the true mean, `within_one` within 5%; the blind guess is the parent's published mean."""
    rows, figures = [], {}
    for cohort, cube in release.cubes.items():
        cells, true = release.cells[cohort], truth[cohort]
        for metric in [m for m, unit in cube.units.items() if unit == "days"]:
            shown = [
                key for key, values in cells.items() if values[metric] is not None and true[key][metric] is not None
            ]
            if shown:
                equal = sum(abs(cells[key][metric] - true[key][metric]) < 0.05 for key in shown)
                figures[f"{cohort}.{metric}: shown cells published exactly"] = equal / len(shown)
            if not metric.startswith("mean"):
                continue
            estimates: dict[Key, list[tuple[float, float]]] = defaultdict(list)
            for parent, children in release.links(cohort):
                hidden = [child for child in children if cells[child][metric] is None]
                others = [child for child in children if child not in hidden]
                top = cells[parent]
                if len(hidden) != 1 or top[metric] is None or top["record_count"] is None:
                    continue
                if any(cells[c][metric] is None or cells[c]["record_count"] is None for c in others):
                    continue
                count = min(4, max(1, round(top["record_count"] - sum(cells[c]["record_count"] for c in others))))
                total = top[metric] * top["record_count"] - sum(
                    cells[c][metric] * cells[c]["record_count"] for c in others
                )
                estimates[hidden[0]].append((total / count, top[metric]))
            attacked = exact = within = blind_exact = blind_within = 0
            for key, found in estimates.items():
                actual = true[key][metric]
                if actual is None:
                    continue
                estimate = statistics.median(e for e, _ in found)
                parent_mean = found[0][1]
                attacked += 1
                exact += abs(estimate - actual) <= 1
                within += abs(estimate - actual) <= 0.05 * abs(actual)
                blind_exact += abs(parent_mean - actual) <= 1
                blind_within += abs(parent_mean - actual) <= 0.05 * abs(actual)
            rows.append(
                Row(
                    "c mean inversion",
                    cohort,
                    metric,
                    attacked,
                    exact,
                    within,
                    blind_exact,
                    blind_within,
                    release.label,
                    "exact = within 1 day, within 1 = within 5%; blind = the parent's mean",
                )
            )
    return rows, figures


# ---- d. cross-cube equalities -------------------------------------------------------------------------------------


def attack_cross_cube(release: Release, truth: dict[str, dict[Key, Values]], max_group: int = 250) -> Row:
    """Every relation of every cube plus "these two cells hold the same records" (known from the true fingerprints:
    the strongest intruder), solved at once (`attack`: subtraction, then linear algebra group by group)."""
    counts = {key: values["record_count"] for cells in release.cells.values() for key, values in cells.items()}
    records = {
        key: (values["record_count"], values["record_fingerprint"])
        for cells in truth.values()
        for key, values in cells.items()
    }
    equalities = [(a, b) for a, b in same_records_equalities(counts, records) if a[0] != b[0]]
    result = attack(counts, extra_equalities=equalities, max_group=max_group)
    pairs = [
        (guess("record_count", value), records[key][0])
        for key, value in sorted(result.recovered.items())
        if counts[key] is None
    ]
    note = (
        f"{len(equalities)} cross-cube equalities; {result.unknowns} unknowns; largest group {result.largest_group},"
        f" {result.groups_too_large} groups over {max_group} unknowns skipped"
    )
    return score("d cross-cube", "all", "record_count", pairs, release.label, note)


# ---- e. integer programming bounds --------------------------------------------------------------------------------


def noise_bound(release: Release, truth: dict[str, dict[Key, Values]], coverage: float = 0.99) -> int:
    """B: the intruder's bound on the noise of a shown count, from the published method. The method is public, its
    noise law too; measured here as the smallest bound covering `coverage` of the noise on shown record counts
    (0 for an unperturbed release)."""
    noise = sorted(
        abs(values["record_count"] - truth[cohort][key]["record_count"])
        for cohort, cells in release.cells.items()
        for key, values in cells.items()
        if values["record_count"] is not None
    )
    return int(noise[min(len(noise) - 1, int(coverage * len(noise)))]) if noise else 0


@dataclass
class IntegerBounds:
    bound: int
    solved: int = 0
    unknowns: int = 0
    exact: int = 0
    correct: int = 0
    infeasible: int = 0
    too_large: int = 0
    not_reached: int = 0
    seconds: float = 0.0


def attack_integer_bounds(
    release: Release,
    truth: dict[str, dict[Key, Values]],
    bound: int,
    max_unknowns: int = 12,
    time_budget: float = 20.0,
    metric: str = "record_count",
) -> tuple[Row, IntegerBounds]:
    """For a hidden cell (the target): its group = the target and the hidden cells of its relations (at most
    `max_unknowns`); unknowns are integers, hidden ones in 1..4, shown ones within `bound` of their published value
    (and >= 5); every relation whose hidden cells all lie in the group holds. min and max of the target by integer
    programming (scipy.optimize.milp, HiGHS): min == max is an exact disclosure. Targets are taken in a fixed
    pseudo-random order, alternating cohorts, until `time_budget` seconds are spent; the rest is counted as not
    reached. Row: `exact` = correct exact disclosures, `within_one` = bounds at most 1 apart that hold the truth."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    figures = IntegerBounds(bound)
    queues = []
    context = {}
    for cohort in release.cubes:
        cells = release.cells[cohort]
        if not any(metric in values for values in cells.values()):
            continue
        links = release.links(cohort)
        involved: dict[Key, list[int]] = defaultdict(list)
        for number, (parent, children) in enumerate(links):
            for key in (parent, *children):
                involved[key].append(number)
        hidden = [key for key, values in cells.items() if values[metric] is None and key in involved]
        hidden.sort(key=lambda key: zlib.crc32(repr(key).encode()))
        queues.append(hidden)
        context[cohort] = (cells, links, involved)
    longest = max((len(q) for q in queues), default=0)
    order = [q[i] for i in range(longest) for q in queues if i < len(q)]
    started = time.perf_counter()
    pairs_exact = within = 0
    truths = []
    for position, target in enumerate(order):
        if time.perf_counter() - started > time_budget:
            figures.not_reached = len(order) - position
            break
        cells, links, involved = context[target[0]]
        group = {target}
        for number in involved[target]:
            parent, children = links[number]
            group.update(key for key in (parent, *children) if cells[key][metric] is None)
        if len(group) > max_unknowns:
            figures.too_large += 1
            continue
        numbers = {
            number
            for key in group
            for number in involved[key]
            if all(cells[k][metric] is not None or k in group for k in (links[number][0], *links[number][1]))
        }
        variables = sorted(group | {k for n in numbers for k in (links[n][0], *links[n][1])})
        column = {key: position for position, key in enumerate(variables)}
        floor = 1 if metric == "record_count" else 0
        shown_floor = 5 if metric == "record_count" else 0
        lower = np.array(
            [floor if cells[k][metric] is None else max(shown_floor, cells[k][metric] - bound) for k in variables]
        )
        upper = np.array([4 if cells[k][metric] is None else cells[k][metric] + bound for k in variables])
        if metric != "record_count":
            upper = np.where([cells[k][metric] is None for k in variables], np.inf, upper)
        matrix = np.zeros((len(numbers), len(variables)))
        for row, number in enumerate(sorted(numbers)):
            parent, children = links[number]
            matrix[row, column[parent]] = -1
            for child in children:
                matrix[row, column[child]] = 1
        constraints = [LinearConstraint(matrix, 0, 0)] if len(numbers) else []
        objective = np.zeros(len(variables))
        objective[column[target]] = 1
        ends = []
        for sign in (1, -1):
            solved = milp(
                sign * objective,
                integrality=np.ones(len(variables)),
                bounds=Bounds(lower, np.maximum(lower, upper)),
                constraints=constraints,
            )
            if solved.status != 0:
                break
            ends.append(round(solved.x[column[target]]))
        if len(ends) < 2:
            figures.infeasible += 1
            continue
        actual = truth[target[0]][target][metric]
        figures.solved += 1
        figures.unknowns += len(group)
        truths.append(actual)
        low, high = min(ends), max(ends)
        if low == high:
            figures.exact += 1
            figures.correct += low == actual
            pairs_exact += low == actual
        within += high - low <= 1 and low <= actual <= high
    figures.seconds = time.perf_counter() - started
    blind_exact, blind_within = blind_hits(truths)
    note = (
        f"B={bound}: {figures.solved} groups solved ({figures.unknowns} unknowns), {figures.exact} exact disclosures"
        f" ({figures.correct} correct), {figures.infeasible} infeasible, {figures.too_large} groups over"
        f" {max_unknowns} unknowns skipped, {figures.not_reached} not reached in {time_budget:.0f} s"
    )
    row = Row(
        f"e integer bounds B={bound}",
        "all",
        metric,
        figures.solved,
        pairs_exact,
        within,
        blind_exact,
        blind_within,
        release.label,
        note,
    )
    return row, figures


# ---- f. two releases ----------------------------------------------------------------------------------------------


def attack_two_releases(
    later: Release,
    earlier: Release,
    later_truth: dict[str, dict[Key, Values]],
    earlier_truth: dict[str, dict[Key, Values]],
) -> list[Row]:
    """The same cell published in two releases at different as_of dates: the difference of its published values
    estimates the records (or enrollments) added between them; scored where the true difference is 1 to 4."""
    rows = []
    for cohort, cube in later.cubes.items():
        if cohort not in earlier.cubes:
            continue
        common = later.cells[cohort].keys() & earlier.cells[cohort].keys()
        for metric in cube.counts:
            if metric not in earlier.cubes[cohort].units:
                continue
            pairs = []
            for key in sorted(common):
                a, b = later.cells[cohort][key][metric], earlier.cells[cohort][key][metric]
                t_a, t_b = later_truth[cohort][key].get(metric), earlier_truth[cohort][key].get(metric)
                if a is None or b is None or t_a is None or t_b is None or not 1 <= t_a - t_b <= 4:
                    continue
                pairs.append((round(a - b), t_a - t_b))
            rows.append(score("f two releases", cohort, metric, pairs, later.label, "true difference 1-4"))
    return rows


# ---- g. group attribute disclosure --------------------------------------------------------------------------------


def attack_group_attributes(
    release: Release, truth: dict[str, dict[Key, Values]], pins: dict[Key, Pin]
) -> tuple[list[Row], dict[str, int]]:
    """1. A shown cell whose published rate is exactly 0 or 1 (or outcome count 0 or equal to the record count)
    claims "none (every one) of them had the outcome": a disclosure when the claim is right about fewer than 5 records.
    2. Differencing the (pinned, else published) record and outcome counts: a hidden group's outcome count 0 or
    equal to its size claims the same about it. Row: `exact` = right claims, against the blind claim on every
    attacked group (the one of "none" and "all" that is right more often)."""
    rows, figures = [], {"published claims": 0, "published claims right": 0, "group attribute disclosures": 0}
    for cohort, cube in release.cubes.items():
        rates = cube.rates
        if not rates:
            continue
        cells, true = release.cells[cohort], truth[cohort]

        def known(key: Key, measure: str, cells=cells, rates=rates) -> tuple[float, float] | None:
            if key in pins and measure in pins[key].outcomes:
                return pins[key].records, pins[key].outcomes[measure]
            values = cells[key]
            records, count, rate = values["record_count"], values.get(f"{measure}_count"), values[rates[measure]]
            if records is None:
                return None
            if count is None and rate is not None:
                count = round(rate * records)
            return None if count is None else (records, count)

        for key, values in cells.items():
            for measure, metric in rates.items():
                pair = known(key, measure) if values[metric] is not None or values.get(f"{measure}_count") else None
                if pair is None or pair[1] not in (0, pair[0]):
                    continue
                size, outcome = true[key]["record_count"], true[key][f"{measure}_count"]
                right = outcome == (0 if pair[1] == 0 else size)
                figures["published claims"] += 1
                figures["published claims right"] += right
                figures["group attribute disclosures"] += right and size < 5
        links = release.links(cohort)
        for measure in rates:
            metric = f"{measure}_count"
            estimates: dict[Key, list[tuple[float, float]]] = defaultdict(list)
            for parent, children in links:
                hidden = [child for child in children if cells[child]["record_count"] is None]
                others = [child for child in children if child not in hidden]
                if len(hidden) != 1:
                    continue
                found = [known(k, measure) for k in (parent, *others)]
                if any(pair is None for pair in found):
                    continue
                size = found[0][0] - sum(pair[0] for pair in found[1:])
                outcome = found[0][1] - sum(pair[1] for pair in found[1:])
                estimates[hidden[0]].append((size, outcome))
            attacked = claims = right = none = every = 0
            for key, found in estimates.items():
                size = min(4, max(1, round(statistics.median(s for s, _ in found))))
                outcome = round(statistics.median(o for _, o in found))
                t_size, t_outcome = true[key]["record_count"], true[key][metric]
                attacked += 1
                none += t_outcome == 0
                every += t_outcome == t_size
                if outcome <= 0 or outcome >= size:
                    claims += 1
                    right += t_outcome == 0 if outcome <= 0 else t_outcome == t_size
            rows.append(
                Row(
                    "g group attributes",
                    cohort,
                    f"{measure} all/none",
                    attacked,
                    right,
                    None,
                    max(none, every),
                    None,
                    release.label,
                    f"{claims} claims",
                )
            )
    return rows, figures


# ---- secondary suppression ---------------------------------------------------------------------------------------


def isolated_hidden_values(release: Release) -> dict[str, int]:
    """Per cube and count of a subset (every count but the record count): the relations (a cell and its children
    along one more dimension) in which exactly one value is hidden, which the others would then estimate. Secondary
    suppression leaves none; the record count is left out, its suppression hides whole cells (attack a scores it)."""
    found = {}
    for cohort, cube in release.cubes.items():
        cells = release.cells[cohort]
        for metric in cube.counts:
            if metric == "record_count":
                continue
            found[f"{cohort}.{metric}"] = sum(
                sum(cells[key][metric] is None for key in (parent, *children)) == 1
                for parent, children in release.links(cohort)
            )
    return found


# ---- h. small published counts ------------------------------------------------------------------------------------


def attack_small_counts(release: Release, truth: dict[str, dict[Key, Values]]) -> list[Row]:
    """Published count-like values between 1 and 4 (there must be none). Row: `attacked` = published values,
    `exact` = values of 1 to 4, `within_one` = of those, the ones equal to the true value."""
    rows = []
    for cohort, cube in release.cubes.items():
        for metric in cube.counts:
            published = [
                (values[metric], truth[cohort][key].get(metric))
                for key, values in release.cells[cohort].items()
                if values[metric] is not None
            ]
            small = [(value, actual) for value, actual in published if 1 <= value <= 4]
            rows.append(
                Row(
                    "h counts 1-4",
                    cohort,
                    metric,
                    len(published),
                    len(small),
                    sum(value == actual for value, actual in small),
                    0,
                    None,
                    release.label,
                )
            )
    return rows


# ---- i. the joint system of a subset count --------------------------------------------------------------------------


def attack_joint_subsets(release: Release, truth: dict[str, dict[Key, Values]], iterations: int = 60) -> list[Row]:
    """Every relation of a cube for one count of a subset (every count but the record count) solved at once: each
    hidden value an unknown bounded to 0..4 (what primary suppression hides), each relation an equation (the parent
    is the sum of its children, shown values taken as published), solved by least squares (scipy.sparse.linalg.lsqr,
    at most `iterations` steps) over the whole cube at once, so that what one relation leaves open another may close,
    then held to 0..4. Attacked: every hidden value in a relation; the guess is the solution rounded."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.linalg import lsqr

    rows = []
    for cohort, cube in release.cubes.items():
        cells = release.cells[cohort]
        links = release.links(cohort)
        for metric in cube.counts:
            if metric == "record_count":
                continue
            equations = []  # (hidden keys with their signs, the constant the shown values give)
            for parent, children in links:
                terms = [(parent, -1), *((child, 1) for child in children)]
                hidden = [(key, sign) for key, sign in terms if cells[key][metric] is None]
                if hidden:
                    shown = sum(sign * cells[key][metric] for key, sign in terms if cells[key][metric] is not None)
                    equations.append((hidden, -shown))
            if not equations:
                rows.append(score("i joint subsets", cohort, metric, [], release.label))
                continue
            column: dict[Key, int] = {}
            entries = [
                (row, column.setdefault(key, len(column)), sign)
                for row, (hidden, _) in enumerate(equations)
                for key, sign in hidden
            ]
            at, to, signs = zip(*entries, strict=True)
            matrix = csr_matrix((signs, (at, to)), shape=(len(equations), len(column)), dtype=float)
            rhs = np.array([constant for _, constant in equations], dtype=float)
            solution = np.clip(lsqr(matrix, rhs, iter_lim=iterations)[0], 0, 4)
            pairs = [
                (guess(metric, solution[position]), truth[cohort][key][metric])
                for key, position in sorted(column.items())
                if truth[cohort][key].get(metric) is not None
            ]
            note = f"{len(equations)} relations, {len(column)} unknowns solved at once"
            rows.append(score("i joint subsets", cohort, metric, pairs, release.label, note))
    return rows


# ---- All attacks --------------------------------------------------------------------------------------------------


@dataclass
class Audit:
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, dict] = field(default_factory=dict)  # release label -> figure -> value
    notes: list[str] = field(default_factory=list)
    # What the attacks ran on, for a further attack (two_release_rows).
    release: Release | None = None
    truth: dict[str, dict[Key, Values]] | None = None
    control: Release | None = None
    chosen: dict[str, list] | None = None

    def select(self, attack_prefix: str, release: str = "release") -> list[Row]:
        return [row for row in self.rows if row.attack.startswith(attack_prefix) and row.release == release]


def audit_release(
    release: Release,
    truth: dict[str, dict[Key, Values]],
    bound: int | None = None,
    ilp_seconds: float = 20.0,
    ilp_max_unknowns: int = 12,
) -> tuple[list[Row], dict]:
    """Attacks a, b, c, d, e, g, h, i on one release (f needs two: attack_two_releases)."""
    rows: list[Row] = []
    figures: dict = {}
    rows += attack_differencing(release, truth)
    pins = pin_counts(release)
    found, more = attack_rate_inversion(release, truth, pins)
    rows += found
    figures.update(more)
    found, more = attack_means(release, truth)
    rows += found
    figures.update(more)
    rows.append(attack_cross_cube(release, truth))
    bound = noise_bound(release, truth) if bound is None else bound
    figures["noise bound B"] = bound
    for b in sorted({bound, 0}, reverse=True):
        row, ilp = attack_integer_bounds(release, truth, b, ilp_max_unknowns, ilp_seconds / (2 if bound else 1))
        rows.append(row)
        figures[f"integer bounds B={b}"] = ilp
    found, more = attack_group_attributes(release, truth, pins)
    rows += found
    figures.update(more)
    rows += attack_small_counts(release, truth)
    rows += attack_joint_subsets(release, truth)
    alone = isolated_hidden_values(release)
    figures["hidden subset counts alone in a relation"] = sum(alone.values())
    return rows, figures


def run_audit(
    public_database,
    warehouse,
    per_cohort: int | None = 2,
    second_public=None,
    second_warehouse=None,
    ilp_seconds: float = 20.0,
) -> Audit:
    """Every attack on the release and on its unprotected control (and, given a second release of the same
    delivery, attack f on both). `per_cohort`: the latest partitions of each cohort kept (None: all)."""
    cubes = catalog(public_database)
    chosen = chosen_partitions(public_database, cubes, per_cohort)
    release = load_release(public_database, chosen)
    truth = load_truth(warehouse, cubes, chosen)
    control = unprotected_release(truth, cubes)
    if all(control.cells[c].keys() == release.cells[c].keys() for c in cubes):
        control._links = release._links  # the same cells: the same relations
    audit = Audit(release=release, truth=truth, control=control, chosen=chosen)
    kept = "all partitions" if chosen is None else "; ".join(f"{c} {', '.join(map(str, v))}" for c, v in chosen.items())
    audit.notes.append(f"partitions kept: {kept}")
    for subject in (release, control):
        rows, figures = audit_release(subject, truth, ilp_seconds=ilp_seconds)
        audit.rows += rows
        audit.figures[subject.label] = figures
    if second_public is not None and second_warehouse is not None:
        audit.rows += two_release_rows(release, truth, control, chosen, second_public, second_warehouse)
    return audit


def two_release_rows(
    release: Release,
    truth: dict[str, dict[Key, Values]],
    control: Release,
    chosen: dict[str, list] | None,
    second_public,
    second_warehouse,
) -> list[Row]:
    """Attack f on the release against a second one (same partitions kept), and on both unprotected controls."""
    earlier_cubes = catalog(second_public)
    earlier = load_release(second_public, chosen)
    earlier_truth = load_truth(second_warehouse, earlier_cubes, chosen)
    rows = attack_two_releases(release, earlier, truth, earlier_truth)
    earlier_control = unprotected_release(earlier_truth, earlier_cubes)
    return rows + attack_two_releases(control, earlier_control, truth, earlier_truth)
