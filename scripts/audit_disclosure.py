"""Disclosure audit of a published release (R-PUB-3): every attack of crosstrack/disclosure_audit.py, one table.

    .venv/bin/python scripts/audit_disclosure.py --warehouse warehouse/crosstrack.duckdb \
        --public warehouse/public/crosstrack_public.duckdb \
        [--second-public OTHER/crosstrack_public.duckdb --second-warehouse OTHER/crosstrack.duckdb]

Reads the published cells (what anyone sees) and the true values (restricted layer). For each attack and each
cube and metric: cells attacked, recovered exactly, within 1, and the blind guess's figures on the same cells
(the most common true value among them); then the same attacks on the unprotected control (the truth with
primary suppression alone), which must recover a lot. Attack f needs a second release of the same delivery at
an earlier as_of. `--partitions N` keeps the latest N partitions of each cohort (default 2; 0 = all: at scale
1.0 that is ~2M cells, keep the default). Not a test: a report.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from crosstrack.disclosure_audit import IntegerBounds, Row, run_audit

HEADER = ("release", "attack", "cube", "metric", "attacked", "exact", "within 1", "blind exact", "blind within 1")


def cells(row: Row) -> tuple[str, ...]:
    def share(count: int | None) -> str:
        if count is None:
            return "-"
        return f"{count:,} ({count / row.attacked:.0%})" if row.attacked else f"{count:,}"

    return (
        row.release,
        row.attack,
        row.cube,
        row.metric,
        f"{row.attacked:,}",
        share(row.exact),
        share(row.within_one),
        share(row.blind_exact),
        share(row.blind_within_one),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse/crosstrack.duckdb"))
    parser.add_argument("--public", type=Path, default=Path("warehouse/public/crosstrack_public.duckdb"))
    parser.add_argument("--second-public", type=Path, help="a release of the same delivery at another as_of")
    parser.add_argument("--second-warehouse", type=Path, help="the warehouse the second release was published from")
    parser.add_argument("--partitions", type=int, default=2, help="latest partitions kept per cohort (0: all)")
    parser.add_argument("--ilp-seconds", type=float, default=30.0, help="solver time per release (attack e)")
    args = parser.parse_args()
    if (args.second_public is None) != (args.second_warehouse is None):
        parser.error("--second-public and --second-warehouse go together")
    started = time.perf_counter()
    audit = run_audit(
        args.public,
        args.warehouse,
        per_cohort=args.partitions or None,
        second_public=args.second_public,
        second_warehouse=args.second_warehouse,
        ilp_seconds=args.ilp_seconds,
    )
    for note in audit.notes:
        print(note)
    print("blind = the best constant guess on the attacked cells (most common true value; for within 1 the value")
    print("whose +-1 band holds most). c: exact = within 1 day, within 1 = within 5%, blind = the parent's mean.")
    print("g: exact = right 'all/none had the outcome' claims, blind = the better of claiming all or none for each.")
    print("h: attacked = published values, exact = values of 1-4 (must be 0), within 1 = of those, the true ones.\n")
    rows = [cells(row) for row in sorted(audit.rows, key=lambda r: (r.release != "release", r.attack))]
    widths = [max(len(line[i]) for line in [HEADER, *rows]) for i in range(len(HEADER))]
    for line in [HEADER, *rows]:
        print("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)))
    print()
    for row in audit.rows:
        if row.note and row.attack[0] in "bde":
            print(f"{row.release} {row.attack} {row.cube} {row.metric}: {row.note}")
    for release, figures in audit.figures.items():
        for name, value in figures.items():
            if isinstance(value, IntegerBounds):
                continue
            shown = f"{value:.1%}" if isinstance(value, float) else f"{value:,}"
            print(f"{release}: {name}: {shown}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
