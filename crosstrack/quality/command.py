"""`crosstrack validate`: the data-quality gate on a delivery, or the reconciliation of a built warehouse.

    crosstrack validate --landing DIR --out DIR --extract-date DATE [--previous MANIFEST_OR_DIR] [--chunk-rows N]
    crosstrack validate --reconcile DB_PATH --out DIR      (DIR: where the gate wrote its outputs)
    crosstrack validate --sid-capture DB_PATH --out DIR    (R-RPT-2, writes DIR/sid_capture.csv)

Exit codes: 0 delivery accepted (rows may be quarantined), 2 usage error, 3 delivery rejected (structural
problem: nothing may be loaded), 4 reconciliation does not balance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from crosstrack.cli import CliError

if TYPE_CHECKING:  # the gate (pandas, pyarrow) is imported when it runs, not to build the parser
    from crosstrack.quality.gate import GateOptions, GateResult


def add_gate_options(parser: argparse.ArgumentParser) -> None:
    """Every option of the gate itself (not where the delivery is, nor where the outputs go): `crosstrack validate`
    and `crosstrack build` both take them; `gate_options` turns them into `GateOptions`."""
    parser.add_argument(
        "--extract-date",
        help="date the delivery was extracted, YYYY-MM-DD: the reference for plausible dates and ages (required; "
        "recorded in the manifest)",
    )
    parser.add_argument("--previous", type=Path, help="manifest.json of the previous delivery (or its directory)")
    parser.add_argument("--chunk-rows", type=int, default=250_000, help="rows per chunk (default 250000)")
    parser.add_argument(
        "--future-margin-days", type=int, default=31, help="dates up to the extract date plus this are plausible"
    )
    parser.add_argument("--volume-ratio", type=float, default=2.0, help="row count within this factor of the previous")
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument(
        "--gx",
        action="store_true",
        help="also run the expectation suite in Great Expectations, to audit the gate's own checks (slow: "
        "docs/data_quality.md)",
    )
    engine.add_argument("--no-gx", action="store_true", help="the default: the gate's checks evaluate the suite")
    parser.add_argument("--gx-max-rows", type=int, help="with --gx: Great Expectations validates at most N rows a file")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", type=Path, help="delivery: DIR/<system>/<file> (or DIR/landing/<system>/<file>)")
    parser.add_argument("--out", type=Path, required=True, help="where to write quarantine, manifest and report")
    add_gate_options(parser)
    parser.add_argument("--reconcile", type=Path, metavar="DB_PATH", help="reconcile a built warehouse instead")
    parser.add_argument("--sid-capture", type=Path, metavar="DB_PATH", help="SID capture report of a built warehouse")


def run(args: argparse.Namespace) -> int:
    if args.reconcile is not None:
        from crosstrack.quality.reconcile import run_reconciliation

        return run_reconciliation(args.reconcile, args.out)
    if args.sid_capture is not None:
        from crosstrack.quality.sid_capture import run_sid_capture

        return run_sid_capture(args.sid_capture, args.out)
    if args.landing is None:
        raise CliError("--landing DIR is required (or --reconcile DB_PATH)")
    from crosstrack.progress import Progress
    from crosstrack.quality.outputs import gate_delivery

    result = gate_delivery(gate_options(args, args.landing, args.out), Progress("gate", unit="rows", stream=sys.stderr))
    _print_summary(result)
    return result.exit_code


def gate_options(args: argparse.Namespace, landing: Path, out: Path) -> GateOptions:
    """The gate's options from `add_gate_options`' arguments; a usage error (CliError) if one is wrong."""
    from crosstrack.quality.gate import GateOptions
    from crosstrack.quality.rules import GateSettings

    if args.chunk_rows < 1:
        raise CliError("--chunk-rows must be a positive number")
    if args.volume_ratio < 1:
        raise CliError("--volume-ratio must be 1 or more")
    if args.previous is not None and not (args.previous.is_file() or (args.previous / "manifest.json").is_file()):
        raise CliError(f"--previous {args.previous}: no manifest.json there")
    landing = _landing_dir(landing)
    if not args.extract_date:
        raise CliError("--extract-date YYYY-MM-DD is required: the date the delivery was extracted")
    try:
        extract_date = dt.date.fromisoformat(args.extract_date)
    except ValueError as exc:
        raise CliError(f"--extract-date {args.extract_date!r}: expected YYYY-MM-DD") from exc
    settings = GateSettings(
        extract_date=extract_date, future_margin_days=args.future_margin_days, volume_ratio=args.volume_ratio
    )
    return GateOptions(
        landing_dir=landing,
        out_dir=out,
        settings=settings,
        previous_manifest=args.previous,
        chunk_rows=args.chunk_rows,
        use_gx=args.gx,
        gx_max_rows=args.gx_max_rows,
    )


def _landing_dir(path: Path) -> Path:
    if not path.is_dir():
        raise CliError(f"--landing {path}: not a directory")
    nested = path / "landing"
    return nested if nested.is_dir() else path


def _print_summary(result: GateResult) -> None:
    from crosstrack.quality.report import PUBLIC_REPORT, RESTRICTED_REPORT

    out = result.options.out_dir
    if not result.accepted:
        print(
            f"delivery REJECTED: {len(result.problems)} structural problem(s); nothing may be loaded", file=sys.stderr
        )
        for problem in result.problems:
            print(f"  {problem.message()}", file=sys.stderr)
        print(f"report: {out / PUBLIC_REPORT} (restricted, with values: {out / RESTRICTED_REPORT})", file=sys.stderr)
        return
    received = sum(o.rows for o in result.files)
    quarantined = sum(o.quarantined_rows for o in result.files)
    print(f"delivery accepted: {received} rows received, {quarantined} quarantined, in {result.seconds:.1f} s")
    for outcome in result.files:
        if outcome.quarantined_rows or outcome.warnings.counts or outcome.volume_warning:
            warned = sum(outcome.warnings.counts.values())
            extra = f"; volume: {outcome.volume_warning}" if outcome.volume_warning else ""
            print(f"  {outcome.facts.relative_path}: {outcome.quarantined_rows} quarantined, {warned} warnings{extra}")
    if result.unexpected_files:
        print(f"  ignored, not in the contract: {', '.join(result.unexpected_files)}")
    print(f"report: {out / PUBLIC_REPORT}")
    print(f"restricted (person-level values): {out / 'quarantine.parquet'}, {out / RESTRICTED_REPORT}")
