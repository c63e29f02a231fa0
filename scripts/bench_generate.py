"""Benchmark `crosstrack generate`: wall time, rows written, rows per second and peak RSS of the generator.

    .venv/bin/python scripts/bench_generate.py --scale 1.0 [--seed 1] [--as-of 2025-06-30] [--out /tmp/gen_bench]

The generator runs in a subprocess; its peak RSS is the children's maximum resident set size.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="1.0")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", default="2025-06-30", dest="as_of")
    parser.add_argument("--out", default="/tmp/gen_bench")
    parser.add_argument("--keep", action="store_true", help="keep the output directory")
    args = parser.parse_args()
    out = Path(args.out)
    command = [sys.executable, "-m", "crosstrack.cli", "generate", "--scale", args.scale, "--seed", args.seed]
    command += ["--as-of", args.as_of, "--out", str(out), "--force"]
    started = time.perf_counter()
    completed = subprocess.run(command, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        print(f"generator failed with exit code {completed.returncode}", file=sys.stderr)
        return completed.returncode
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows = manifest["total_rows"]
    print(f"scale          {args.scale}")
    print(f"wall time      {wall:.1f} s")
    print(f"rows written   {rows:,}")
    print(f"rows/second    {rows / wall:,.0f}")
    print(f"peak RSS       {peak_kib / 1024 / 1024:.2f} GiB")
    for name, count in manifest["row_counts"].items():
        print(f"  {name:40s} {count:>12,}")
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
