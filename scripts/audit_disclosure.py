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
from pathlib import Path

from crosstrack.disclosure_audit import (
    attack,
    differencing_estimates,
    intruder_rates,
    one_partition_per_cohort,
    published_cells,
    restricted_cells,
    same_records_equalities,
)


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

    true_count = {key: count for key, (count, _) in truth.items()}
    hits, blind, n = intruder_rates(differencing_estimates(published), true_count)
    print(
        f"differencing two responses: {n:,} estimates of suppressed cells; right {hits:.1%} (blind guess {blind:.1%})"
    )

    subset = one_partition_per_cohort(published)
    result = attack(subset, extra_equalities=same_records_equalities(subset, truth))
    small = [(key, value) for key, value in result.recovered.items() if true_count[key] < 5]
    hits, blind, n = intruder_rates(small, true_count)
    print(
        f"all relations at once (latest partition of each cohort, {result.unknowns:,} unknowns, "
        f"{result.equations:,} equations): {n:,} suppressed cells pinned; right {hits:.1%} (blind {blind:.1%})"
    )
    primary_only = {key: (None if count < 5 else count) for key, (count, _) in one_partition_per_cohort(truth).items()}
    baseline = attack(primary_only)
    exact = [key for key in baseline.recovered if truth[key][0] < 5]
    print(f"same attack without perturbation: {len(exact):,} suppressed cells recovered exactly")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
