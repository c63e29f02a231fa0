"""`crosstrack report quarterly-recidivism` (public) and `crosstrack report sid-capture` (RESTRICTED).

    crosstrack report quarterly-recidivism [--public-db warehouse/public/crosstrack_public.duckdb] [--release ID]
                                           [--out DIR]
    crosstrack report sid-capture [--warehouse warehouse/crosstrack.duckdb] [--release ID] [--out DIR]

Each writes `<name>_<as_of>.csv` and `<name>_<as_of>.html`. Publication already archives the public report inside
each release (`releases/<id>/reports/`, crosstrack/releases.py) and the restricted one per release id outside the
publish folder (`restricted_reports/<id>/` beside the warehouse); a release is never changed afterwards.

- quarterly-recidivism without --out lists the archived report of the current release (or of --release ID); with
  --out it writes the report of that release (or of the file --public-db names) into DIR.
- sid-capture writes into DIR (default `restricted_reports/` beside the warehouse; with --release ID into
  `<DIR>/<ID>/`, owner-only) and refuses a DIR inside a publish folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crosstrack.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    from crosstrack.settings import Settings

    settings = Settings()
    reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
    public = reports.add_parser(
        "quarterly-recidivism", help="the public quarterly recidivism report from the published release (R-RPT-1)"
    )
    public.add_argument("--public-db", type=Path, default=settings.public_db, help="the published release")
    public.add_argument("--release", help="a release id of the publish folder (default: the current release)")
    public.add_argument(
        "--out", type=Path, help="write the report into this folder (default: list the release's archived report)"
    )
    restricted = reports.add_parser(
        "sid-capture", help="the RESTRICTED SID capture report from the warehouse (R-RPT-2)"
    )
    restricted.add_argument("--warehouse", type=Path, default=settings.db, help="the built warehouse")
    restricted.add_argument("--release", help="the release id the warehouse was published as: files go in DIR/ID/")
    restricted.add_argument(
        "--out", type=Path, help="folder for the files (default: restricted_reports/ beside the warehouse)"
    )


def _public_report(args: argparse.Namespace) -> list[Path]:
    from crosstrack.releases import ReleaseError, current_id, get_release
    from crosstrack.reports.quarterly_recidivism import write_quarterly_recidivism

    if not args.public_db.is_file():
        raise CliError(f"--public-db {args.public_db}: no published release there (make demo or crosstrack build)")
    publish_dir = args.public_db.parent
    release_id = args.release or current_id(publish_dir)
    release = None
    if release_id is not None:
        try:
            release = get_release(publish_dir, release_id)
        except ReleaseError as exc:
            raise CliError(f"--release: {exc}") from exc
    if args.out is not None:
        return write_quarterly_recidivism(release.database if release else args.public_db, args.out)
    if release is None:
        raise CliError(f"{args.public_db} is not a release of a publish folder: give --out DIR to write its report")
    archived = release.reports()
    if not archived:
        raise CliError(
            f"release {release.id} archives no report (published before reports were, or without the recidivism "
            "cube); releases are never changed: give --out DIR to write its report elsewhere"
        )
    print(f"the report archived with release {release.id}:")
    return archived


def _restricted_report(args: argparse.Namespace) -> list[Path]:
    from crosstrack.reports.sid_capture import (
        archive_sid_capture,
        check_restricted_folder,
        has_sid_capture,
        restricted_reports_dir,
        write_sid_capture_report,
    )

    if not args.warehouse.is_file():
        raise CliError(f"--warehouse {args.warehouse}: no such warehouse file")
    out = args.out if args.out is not None else restricted_reports_dir(args.warehouse)
    try:
        check_restricted_folder(out)
        if args.release is not None:
            from crosstrack.releases import valid_id

            if not valid_id(args.release):
                raise CliError(f"--release {args.release!r}: not a release id (crosstrack release list)")
            if not has_sid_capture(args.warehouse):
                raise LookupError(f"{args.warehouse} has no restricted.sid_capture_summary; build it with dbt first")
            return archive_sid_capture(args.warehouse, args.release, out)
        return write_sid_capture_report(args.warehouse, out)
    except ValueError as exc:
        raise CliError(f"--out {exc}") from exc
    except LookupError as exc:
        raise CliError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    written = _public_report(args) if args.report == "quarterly-recidivism" else _restricted_report(args)
    for path in written:
        print(f"written: {path}" if args.report != "quarterly-recidivism" or args.out else f"  {path}")
    return 0
