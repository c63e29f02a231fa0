"""Utility of a public release (R-PUB-4): per cube and metric, the share of cells shown and the relative error of
the shown values against the truth. A report, not a test.

    .venv/bin/python scripts/measure_utility.py --warehouse warehouse/crosstrack.duckdb \
        --public warehouse/public/crosstrack_public.duckdb
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crosstrack.public_utility import format_table, measure


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse/crosstrack.duckdb"))
    parser.add_argument("--public", type=Path, default=Path("warehouse/public/crosstrack_public.duckdb"))
    args = parser.parse_args()
    print(format_table(measure(args.warehouse, args.public)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
