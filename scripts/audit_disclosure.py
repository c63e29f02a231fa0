"""Disclosure audit of a published release (SPEC R-PUB-3): prints how well an intruder recovers suppressed counts.

    .venv/bin/python scripts/audit_disclosure.py --warehouse warehouse/crosstrack.duckdb \
        --public warehouse/public/crosstrack_public.duckdb

Reads the published cells (what anyone sees) and the true counts (restricted layer), then runs the attacks of
crosstrack/disclosure_audit.py: differencing two responses (a total minus the shown cells of one line), and
solving every published relation of one partition per cohort at once. Prints each attack's hit rate on suppressed
cells beside the blind best guess, and the same attack on primary suppression alone. Not a test: a report.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from crosstrack.disclosure_audit import (
    attack,
    equations_of,
    one_partition_per_cohort,
    published_cells,
    restricted_cells,
)


def hit_rate(estimates: dict, truth: dict) -> tuple[float, float, int]:
    keys = [key for key in estimates if truth[key][0] < 5]
    if not keys:
        return 0.0, 0.0, 0
    hits = sum(min(4, max(1, round(estimates[key]))) == truth[key][0] for key in keys) / len(keys)
    blind = Counter(truth[key][0] for key in keys).most_common(1)[0][1] / len(keys)
    return hits, blind, len(keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse/crosstrack.duckdb"))
    parser.add_argument("--public", type=Path, default=Path("warehouse/public/crosstrack_public.duckdb"))
    args = parser.parse_args()
    started = time.perf_counter()
    published = published_cells(args.public)
    truth = restricted_cells(args.warehouse)
    shown = [(published[key], truth[key][0]) for key in published if published[key] is not None]
    noise = [value - count for value, count in shown]
    print(f"cells {len(published):,}: shown {len(shown):,}, suppressed {len(published) - len(shown):,}")
    print(
        f"noise on shown record counts: mean {sum(noise) / len(noise):+.3f}, "
        f"sd {(sum(n * n for n in noise) / len(noise)) ** 0.5:.2f}, unchanged {noise.count(0) / len(noise):.1%}, "
        f"relative error on counts >= 100: "
        f"{sum(abs(v - c) / c for v, c in shown if c >= 100) / max(1, sum(1 for _, c in shown if c >= 100)):.2%}"
    )

    differences = {}
    for equation in equations_of(published):
        hidden = [key for key in equation if published[key] is None]
        if len(hidden) == 1 and equation[hidden[0]] == 1:
            differences[hidden[0]] = -sum(s * published[k] for k, s in equation.items() if k != hidden[0])
    hits, blind, n = hit_rate(differences, truth)
    print(f"differencing two responses: {n:,} suppressed cells estimated; right {hits:.1%} (blind guess {blind:.1%})")

    subset = one_partition_per_cohort(published)
    by_records: dict = {}
    for key in subset:
        by_records.setdefault(truth[key], []).append(key)
    equalities = [(keys[0], other) for keys in by_records.values() for other in keys[1:]]
    result = attack(subset, extra_equalities=equalities)
    hits, blind, n = hit_rate(result.recovered, truth)
    print(
        f"all relations at once (latest partition of each cohort, {result.unknowns:,} unknowns, "
        f"{result.equations:,} equations): {n:,} suppressed cells pinned; right {hits:.1%} (blind guess {blind:.1%})"
    )
    primary_only = {key: (None if count < 5 else count) for key, (count, _) in one_partition_per_cohort(truth).items()}
    baseline = attack(primary_only)
    exact = [key for key in baseline.recovered if truth[key][0] < 5]
    print(f"same attack without perturbation: {len(exact):,} suppressed cells recovered exactly")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
