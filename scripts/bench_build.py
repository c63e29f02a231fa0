"""Benchmark the whole pipeline at a scale: generate, validate, dbt build, publish; wall time and peak memory per stage.

    .venv/bin/python scripts/bench_build.py --scale 1.0

Targets at scale 1.0 on a 2-core machine: generation within 3 minutes and 6 GiB; `dbt build` (all models and
tests) within 5 minutes and 8 GiB. This prints figures; it asserts nothing (speed is not a timed test).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from crosstrack.pipeline import StageTiming, build_warehouse, run_stage, venv_bin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="1.0")
    parser.add_argument("--seed", default="20170101")
    parser.add_argument("--as-of", default="2026-07-01")
    parser.add_argument("--out", type=Path, default=Path("/tmp/crosstrack-bench"))
    parser.add_argument("--no-gate", action="store_true", help="skip the data-quality gate")
    args = parser.parse_args(argv)

    shutil.rmtree(args.out, ignore_errors=True)
    data = args.out / "data"
    generate = [venv_bin("crosstrack"), "generate", "--scale", args.scale, "--seed", args.seed]
    generate += ["--as-of", args.as_of, "--out", str(data)]
    stages: list[StageTiming] = [run_stage("generate", generate, env=None, quiet=True)]
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    rows = sum(int(n) for n in manifest.get("row_counts", {}).values())

    result = build_warehouse(
        landing_dir=data / "landing",
        warehouse=args.out / "crosstrack.duckdb",
        as_of=args.as_of,
        quality_dir=None if args.no_gate else args.out / "quality",
        docs=False,
        quiet=True,
        target_path=args.out / "target",
        publish_dir=args.out / "public",
    )
    stages += result.stages

    print(f"scale {args.scale}: {rows:,} landing rows, warehouse {result.warehouse.stat().st_size / 2**30:.2f} GiB")
    print(f"{'stage':<20}{'wall s':>10}{'peak MiB':>12}{'rows/s':>14}")
    for stage in stages:
        print(f"{stage.name:<20}{stage.seconds:>10.1f}{stage.peak_rss_mib:>12.0f}{rows / stage.seconds:>14,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
