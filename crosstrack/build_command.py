"""`crosstrack build`: gate a delivery, build the warehouse into a new file, document it, move it into place."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from crosstrack.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    from crosstrack.pipeline import DEFAULT_LINKER, LINKERS, gate_options, gate_parser

    parser.add_argument("--landing", type=Path, required=True, help="the delivery: <dir>/<system>/<file>")
    parser.add_argument(
        "--warehouse", type=Path, help="DuckDB file (env CROSSTRACK_DB; default warehouse/crosstrack.duckdb)"
    )
    parser.add_argument("--as-of", required=True, help="cohort reference date, YYYY-MM-DD (docs/rules.md section 3)")
    parser.add_argument(
        "--quality-dir",
        type=Path,
        help="where the data-quality gate (always run first) writes its report; with it, the build also reconciles "
        "every landing row (default: beside the warehouse, no reconciliation)",
    )
    parser.add_argument("--no-docs", action="store_true", help="skip dbt docs generate")
    parser.add_argument(
        "--linker",
        choices=LINKERS,
        default=DEFAULT_LINKER,
        help=f"how person records are linked (docs/identity.md; default {DEFAULT_LINKER})",
    )
    parser.add_argument(
        "--publish-dir", type=Path, help="then publish the public layer here (crosstrack_public.duckdb and parquet/)"
    )
    # The gate's own option definitions, as `crosstrack validate` declares them (--extract-date defaults to --as-of).
    group = parser.add_argument_group("data-quality gate (the options of crosstrack validate)")
    actions = gate_options(gate_parser())
    for action in actions:
        group._add_action(action)
    parser.set_defaults(gate_option_names=[action.dest for action in actions])


def run(args: argparse.Namespace) -> int:
    from crosstrack.pipeline import BuildError, build_warehouse
    from crosstrack.publish import PublishError
    from crosstrack.settings import Settings

    try:
        dt.date.fromisoformat(args.as_of)
    except ValueError as exc:
        raise CliError(f"--as-of must be a date YYYY-MM-DD, got {args.as_of!r}") from exc
    settings = Settings.load(db=args.warehouse)
    try:
        result = build_warehouse(
            landing_dir=args.landing,
            warehouse=settings.db,
            as_of=args.as_of,
            quality_dir=args.quality_dir,
            docs=not args.no_docs,
            publish_dir=args.publish_dir,
            extract_date=args.extract_date,
            gate={name: getattr(args, name) for name in args.gate_option_names if name != "extract_date"},
            settings=settings,
            linker=args.linker,
        )
    except (BuildError, PublishError) as exc:
        raise CliError(str(exc)) from exc
    for stage in result.stages:
        print(f"{stage.name:<20} {stage.seconds:8.1f} s   process peak {stage.peak_rss_mib:8.0f} MiB")
    if result.linkage is not None:
        link = result.linkage
        print(
            f"linkage: {link.records:,} person records, {link.linked_pairs:,} linked pairs, {link.persons:,} persons, "
            f"{link.review_pairs:,} pairs for clerical review, {link.decisions_applied:,} review decisions applied, "
            f"{link.refused_links:,} links refused (they would join two people)"
        )
    events = ", ".join(f"{n:,} {kind}s ({moved:,} records)" for kind, (n, moved) in result.key_events.items())
    print(f"person keys: {events or 'no merge or split'}")
    print(f"warehouse published at {result.warehouse}")
    return 0
