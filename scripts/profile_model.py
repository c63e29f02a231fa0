"""Profile one dbt model against a built warehouse, without rebuilding anything, and check a rewrite of it.

    .venv/bin/python scripts/profile_model.py --warehouse W.duckdb --target TARGET person_timeline
    .venv/bin/python scripts/profile_model.py --warehouse W.duckdb --target TARGET landing_reconciliation \\
        --sql candidate.sql --memory-limit 4GB --threads 2

TARGET is the build's dbt target folder (its manifest.json names the model's compiled SQL, database, schema and
table). The model's SELECT (or --sql, a compiled candidate reading the same relations) runs into a temporary
table of a read-only connection to W, as dbt would run it, with DuckDB's JSON profiling on. Printed: wall seconds,
the process's CPU seconds (less sensitive than wall time to other work on the machine), peak resident memory, the
slowest operators (their time summed over threads), and with --compare the rows only in the result or only in the
built table (EXCEPT ALL both ways: 0 and 0 means a rewrite gives the same rows). Work on a copy of a warehouse that
nothing else writes. One model a run, so the peak memory is that model's alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb


def model_node(target: Path, model: str) -> dict:
    manifest = json.loads((target / "manifest.json").read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] == model:
            return node
    raise SystemExit(f"{target / 'manifest.json'}: no model named {model!r}")


def compiled_sql(target: Path, node: dict) -> str:
    path = target / "compiled" / node["package_name"] / node["original_file_path"]
    if node.get("compiled_code"):
        return node["compiled_code"]
    if path.exists():
        return path.read_text()
    raise SystemExit(f"{path}: the model was not compiled in this target (run dbt compile or build first)")


def operators(profile: dict) -> list[tuple[float, str, int, str]]:
    found = []

    def walk(node: dict) -> None:
        extra = json.dumps(node.get("extra_info", {}))[:110]
        found.append((node.get("timing", 0.0), node.get("type", "?"), node.get("intermediate_rows", 0), extra))
        for child in node.get("children", []):
            walk(child)

    for root in profile.get("operator", []):
        walk(root)
    return sorted(found, key=lambda item: item[0], reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--warehouse", type=Path, required=True, help="a built warehouse (opened read only)")
    parser.add_argument("--target", type=Path, required=True, help="the dbt target folder of that build")
    parser.add_argument("--sql", type=Path, help="a compiled candidate SELECT to run instead of the model's")
    parser.add_argument("--memory-limit", default="8GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--top", type=int, default=8, help="slowest operators shown")
    parser.add_argument("--compare", action="store_true", help="compare the rows with the built table")
    args = parser.parse_args(argv)

    node = model_node(args.target, args.model)
    sql = args.sql.read_text() if args.sql else compiled_sql(args.target, node)
    built = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
    con = duckdb.connect()
    con.execute(f"attach '{args.warehouse}' as \"{node['database']}\" (read_only)")
    con.execute(f'use "{node["database"]}"')
    con.execute(f"set threads = {int(args.threads)}")
    con.execute("set memory_limit = ?", [args.memory_limit])
    with tempfile.TemporaryDirectory() as work:
        profile_file = Path(work) / "profile.json"
        con.execute("set temp_directory = ?", [work])
        con.execute("set enable_profiling = 'json'")
        con.execute("set profiling_output = ?", [str(profile_file)])
        start, cpu = time.perf_counter(), time.process_time()
        con.execute(f"create temp table profiled as {sql}")
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        con.execute("set enable_profiling = 'no_output'")
        profile = json.loads(profile_file.read_text())
        rows = con.execute("select count(*) from profiled").fetchone()[0]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{args.model}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.0f} MiB, {rows:,} rows "
            f"(threads {args.threads}, memory limit {args.memory_limit})"
        )
        for timing, kind, count, extra in operators(profile)[: args.top]:
            print(f"  {timing:8.2f} s  {kind:<20} {count or 0:>12,} rows  {extra}")
        if args.compare:
            only = [
                con.execute(f"select count(*) from (select * from {a} except all select * from {b})").fetchone()[0]
                for a, b in (("profiled", built), (built, "profiled"))
            ]
            print(f"  rows only in the result: {only[0]:,}; only in {built}: {only[1]:,}")
            return 1 if any(only) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
