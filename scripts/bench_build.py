"""Benchmark the pipeline: wall time and peak memory of each stage, and the slowest dbt models.

    .venv/bin/python scripts/bench_build.py --scale 1.0                      generate, then build, 3 times
    .venv/bin/python scripts/bench_build.py --data DIR --runs 3             reuse a delivery (read only)
    .venv/bin/python scripts/bench_build.py --data DIR --stages gate,dbt     some stages only
    .venv/bin/python scripts/bench_build.py --data DIR --stages dbt          dbt alone, on DIR/quality (the gate's
                                                                             output of that delivery, reused)

Each stage of each run is a process of its own (this script again, with --child), so its wall time and peak
resident memory (ru_maxrss of that process) are the stage's alone. The stages are those of `crosstrack build`
(crosstrack/pipeline.py, Build): gate, link (the splink link stage; without it in --stages dbt links with the
deterministic rules), dbt (dbt build, all models and tests), docs, reconcile, publish; plus
generate unless --data names a delivery. Every figure is the median of the runs with its spread (min-max); the
"crosstrack build" line is the sum of the build's stages in each run. The ten slowest dbt models come from each
run's run_results.json (median execution time). Figures are printed and written to OUT/bench.json; nothing is
asserted (speed is not a timed test). Run it on an otherwise idle machine.

Beside each wall time: the stage's CPU seconds (user and system time of its process, all its threads), the least
wall time that work can take on this machine's cores (CPU seconds / cores: no schedule of the same work runs
faster), and the share of the machine's time its hypervisor gave to other guests during the stage (steal, from
/proc/stat; on a shared virtual machine a stage's wall time, and even its CPU time, moves with it). A wall time
above its floor is time the cores were not all busy with the stage; a target below the floor needs less work, not
a better schedule.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from crosstrack.machine import usable_cores

GENERATE = "generate"
BUILD_STAGES = ("gate", "link", "dbt", "docs", "reconcile", "publish")
STAGES = (GENERATE, *BUILD_STAGES)
STAGE_NEEDS = {"reconcile": ("gate", "dbt"), "docs": ("dbt",), "publish": ("dbt",)}
TOP_MODELS = 10
PROC_STAT = Path("/proc/stat")
STEAL = 7  # the steal column of /proc/stat's cpu line, from 0 (user)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="1.0", help="scale of the generated delivery (default 1.0)")
    parser.add_argument("--seed", default="20170101")
    parser.add_argument("--as-of", default="2026-07-01", help="cohort date (and the generated extract date)")
    parser.add_argument("--data", type=Path, help="reuse this delivery (DIR/landing/...); it is only read")
    parser.add_argument("--out", type=Path, default=Path("/tmp/crosstrack-bench"), help="work folder (emptied)")
    parser.add_argument("--runs", type=int, default=3, help="runs of every stage; figures are medians (default 3)")
    parser.add_argument(
        "--stages", default=",".join(STAGES), help=f"comma-separated, of {', '.join(STAGES)} (default: all)"
    )
    parser.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)  # run one stage in this process
    return parser


# ---- one stage, in a child process ------------------------------------------------------------------------


def paths(args: argparse.Namespace, stages: list[str]) -> dict[str, Path]:
    """Without the gate stage, dbt reads the gate's output already beside the delivery (DATA/quality, as
    `crosstrack validate --out DATA/quality` or `make demo` writes it): only read, never written. The link stage
    writes its table into the gate's folder, so with link and without gate the run's quality folder links to
    DATA/quality's entries (reused_gate_output) and the link table is written beside those links."""
    run = args.out / "run"
    data = args.data if args.data is not None else args.out / "data"
    return {
        "data": data,
        "landing": data / "landing" if (data / "landing").is_dir() else data,
        "quality": run / "quality" if "gate" in stages or "link" in stages else data / "quality",
        "reused_quality": data / "quality",
        "warehouse": run / "crosstrack.duckdb",
        "target": run / "target",
        "public": run / "public",
    }


def reused_gate_output(where: dict[str, Path]) -> None:
    """The run's quality folder: a link to every entry of the reused gate output but its link stage's folder."""
    where["quality"].mkdir(parents=True)
    for entry in where["reused_quality"].iterdir():
        if entry.name != "linkage":
            (where["quality"] / entry.name).symlink_to(entry.resolve())


def run_child(args: argparse.Namespace, stages: list[str]) -> None:
    if args.child == GENERATE:
        from crosstrack.cli import main

        argv = ["generate", "--scale", args.scale, "--seed", args.seed, "--as-of", args.as_of]
        sys.exit(main([*argv, "--out", str(paths(args, stages)["data"]), "--force"]))
    from crosstrack.pipeline import DEFAULT_LINKER, Build

    where = paths(args, stages)
    build = Build(
        landing_dir=where["landing"],
        warehouse=where["warehouse"],
        as_of=args.as_of,
        quality_dir=where["quality"],
        target_path=where["target"],
        publish_dir=where["public"],
        linker="splink" if "link" in stages else DEFAULT_LINKER,  # the link stage is `crosstrack build --linker splink`
    )
    build.check()
    if args.child == "gate":
        build.validate()
    elif args.child == "link":
        build.link()
    elif args.child == "dbt":
        build.dbt_build()
        # docs generate writes run results of its own: keep the build's.
        shutil.copyfile(where["target"] / "run_results.json", where["target"] / "build_run_results.json")
    elif args.child == "docs":
        build.docs()
    elif args.child == "reconcile":
        build.reconcile()
    elif args.child == "publish":
        build.publish()
    if args.child == ("docs" if "docs" in stages else "dbt"):
        build.install()  # after the last stage that reads the new file: move it into place (not timed apart)


@dataclass(frozen=True)
class StageRun:
    """One stage's run, in its own process."""

    seconds: float  # wall
    peak_mib: float  # peak resident memory
    cpu_seconds: float  # user and system time, over all its threads
    steal: float | None  # share of the machine's time given to other guests meanwhile (None: not known here)


def cpu_counters(stat: Path = PROC_STAT) -> list[int] | None:
    """The machine's CPU time counters (the first line of /proc/stat: user, nice, system, idle, iowait, irq,
    softirq, steal, ...), in ticks; None where there is no such file."""
    try:
        first = stat.read_text(encoding="ascii").splitlines()[0].split()
    except (OSError, IndexError):
        return None
    return [int(value) for value in first[1:]] if first and first[0] == "cpu" else None


def steal_share(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of the machine's time between two readings of cpu_counters that its hypervisor ran other guests
    on its cores (steal over all the time counted); None without both readings or their steal column."""
    if before is None or after is None or len(before) <= STEAL or len(after) <= STEAL:
        return None
    # guest and guest_nice (after steal) are already counted in user and nice: not added twice.
    elapsed = [now - then for then, now in zip(before[: STEAL + 1], after[: STEAL + 1], strict=True)]
    total = sum(elapsed)
    return elapsed[STEAL] / total if total > 0 else None


def measure(argv: list[str], stage: str) -> StageRun:
    """Run this script for one stage in a child process."""
    return run_process([sys.executable, __file__, *argv, "--child", stage], stage)


def run_process(command: list[str], stage: str) -> StageRun:
    """Run one stage's process: its wall and CPU seconds, peak resident memory, and the machine's steal meanwhile."""
    counters = cpu_counters()
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        output = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        tail = "\n".join(output.splitlines()[-40:])
        raise SystemExit(f"stage {stage} failed (exit {process.returncode}):\n{tail}")
    return StageRun(
        seconds=seconds,
        peak_mib=usage.ru_maxrss / 1024,  # KiB on Linux
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        steal=steal_share(counters, cpu_counters()),
    )


# ---- the runs ------------------------------------------------------------------------------------------------


def model_times(run_results: Path) -> dict[str, float]:
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    return {r["unique_id"]: r["execution_time"] for r in results if r["unique_id"].startswith("model.")}


def spread(values: list[float], decimals: int = 1) -> str:
    """The median, then the spread (min-max), in two aligned columns."""
    low_high = f"{min(values):.{decimals}f}-{max(values):.{decimals}f}"
    return f"{statistics.median(values):>10.{decimals}f} {low_high:>17}"


def floor(cpu_seconds: list[float]) -> float:
    """The least wall time the median run's CPU work takes on this machine's cores."""
    return statistics.median(cpu_seconds) / usable_cores()


def median_known(shares: list[float | None]) -> float | None:
    known = [share for share in shares if share is not None]
    return statistics.median(known) if known else None


def percent(share: float | None) -> str:
    return f"{100 * share:6.1f}" if share is not None else f"{'n/a':>6}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    stages = [stage.strip() for stage in args.stages.split(",") if stage.strip()]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise SystemExit(f"--stages: unknown {', '.join(unknown)}; of {', '.join(STAGES)}")
    if args.data is not None and GENERATE in stages:
        stages.remove(GENERATE)  # a delivery is reused, not generated
    for stage, needs in STAGE_NEEDS.items():
        if stage in stages and not set(needs) <= set(stages):
            raise SystemExit(f"--stages: {stage} needs {', '.join(needs)}")
    if args.child is not None:
        run_child(args, stages)
        return 0
    if args.data is None and GENERATE not in stages:
        raise SystemExit("without --data the delivery is generated: keep generate in --stages")
    reused = paths(args, stages)["reused_quality"]
    if {"dbt", "link"} & set(stages) and "gate" not in stages and not (reused / "landing").is_dir():
        raise SystemExit(f"--stages without gate: dbt and link read the gate's output, none in {reused}")
    if args.runs < 1:
        raise SystemExit("--runs must be 1 or more")

    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    figures: dict[str, dict[str, list[Any]]] = {
        stage: {field.name: [] for field in fields(StageRun)} for stage in stages
    }
    totals: list[float] = []
    total_cpu: list[float] = []
    models: dict[str, list[float]] = {}
    for number in range(1, args.runs + 1):
        shutil.rmtree(args.out / "run", ignore_errors=True)  # each run builds anew (and a fresh key registry)
        if "link" in stages and "gate" not in stages:
            reused_gate_output(paths(args, stages))
        total = cpu = 0.0
        for stage in stages:
            run = measure(argv, stage)
            for name, value in asdict(run).items():
                figures[stage][name].append(value)
            if stage in BUILD_STAGES:
                total, cpu = total + run.seconds, cpu + run.cpu_seconds
            print(
                f"run {number}: {stage:<10} {run.seconds:8.1f} s  CPU {run.cpu_seconds:8.1f} s  "
                f"peak {run.peak_mib:8.0f} MiB  steal {percent(run.steal)}",
                flush=True,
            )
        totals.append(total)
        total_cpu.append(cpu)
        if "dbt" in stages:
            for model, seconds in model_times(paths(args, stages)["target"] / "build_run_results.json").items():
                models.setdefault(model, []).append(seconds)

    data = paths(args, stages)["data"]
    manifest = data / "manifest.json"
    rows = sum(json.loads(manifest.read_text())["row_counts"].values()) if manifest.exists() else None
    print(f"\n{data}: {rows:,} landing rows; {args.runs} run(s), median (min-max)" if rows else f"\n{data}")
    print(
        f"{'stage':<20}{'wall s':>10} {'min-max':>17}{'CPU s':>10} {'min-max':>17}{'floor s':>9}"
        f"{'peak MiB':>10} {'min-max':>17}{'steal':>7}"
    )
    for stage in stages:
        figure = figures[stage]
        steal = percent(median_known(figure["steal"]))
        print(
            f"{stage:<20}{spread(figure['seconds'])}{spread(figure['cpu_seconds'])}"
            f"{floor(figure['cpu_seconds']):>9.1f}{spread(figure['peak_mib'], 0)}{steal}"
        )
    if set(BUILD_STAGES) & set(stages):
        print(
            f"{'crosstrack build':<20}{spread(totals)}{spread(total_cpu)}{floor(total_cpu):>9.1f}"
            "   (the build's stages above, summed per run)"
        )
    print(
        f"floor: CPU seconds / {usable_cores()} cores, a lower bound of the wall time of that work here; "
        "steal: median, %"
    )
    slowest = sorted(models.items(), key=lambda item: statistics.median(item[1]), reverse=True)[:TOP_MODELS]
    if slowest:
        print(f"\nthe {len(slowest)} slowest dbt models (execution time, s)")
        for model, seconds in slowest:
            print(f"  {model.split('.')[-1]:<48}{spread(seconds, 2)}")
    report = {
        "data": str(data),
        "landing_rows": rows,
        "runs": args.runs,
        "stages": figures,
        "crosstrack_build_seconds": totals if set(BUILD_STAGES) & set(stages) else None,
        "crosstrack_build_cpu_seconds": total_cpu if set(BUILD_STAGES) & set(stages) else None,
        "cores": usable_cores(),
        "slowest_models": {model: seconds for model, seconds in slowest},
    }
    (args.out / "bench.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nfigures in {args.out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
