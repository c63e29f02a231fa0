"""`crosstrack report quarterly-recidivism` (public) and `crosstrack report sid-capture` (RESTRICTED).

    crosstrack report quarterly-recidivism [--public-db warehouse/public/crosstrack_public.duckdb] [--out DIR]
    crosstrack report sid-capture [--warehouse warehouse/crosstrack.duckdb] [--out DIR]

Each writes `<name>_<as_of>.csv` and `<name>_<as_of>.html` into DIR. The public report's default DIR is `reports/`
beside the published file (the publish folder); the restricted one's is `restricted_reports/` beside the warehouse,
and it refuses a DIR inside a publish folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crosstrack.cli import CliError

PUBLIC_DB_NAME = "crosstrack_public.duckdb"


def configure(parser: argparse.ArgumentParser) -> None:
    from crosstrack.settings import Settings

    settings = Settings()
    reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
    public = reports.add_parser(
        "quarterly-recidivism", help="the public quarterly recidivism report from the published release (R-RPT-1)"
    )
    public.add_argument("--public-db", type=Path, default=settings.public_db, help="the published release")
    public.add_argument("--out", type=Path, help="folder for the files (default: reports/ in the publish folder)")
    restricted = reports.add_parser(
        "sid-capture", help="the RESTRICTED SID capture report from the warehouse (R-RPT-2)"
    )
    restricted.add_argument("--warehouse", type=Path, default=settings.db, help="the built warehouse")
    restricted.add_argument(
        "--out", type=Path, help="folder for the files (default: restricted_reports/ beside the warehouse)"
    )


def inside_publish_folder(folder: Path) -> Path | None:
    """The publish folder (one holding a published release) that `folder` is or lies in, if any."""
    resolved = folder.resolve()
    for candidate in (resolved, *resolved.parents):
        if (candidate / PUBLIC_DB_NAME).exists():
            return candidate
    return None


def run(args: argparse.Namespace) -> int:
    if args.report == "quarterly-recidivism":
        from crosstrack.reports.quarterly_recidivism import write_quarterly_recidivism

        if not args.public_db.is_file():
            raise CliError(f"--public-db {args.public_db}: no published release there (make demo or crosstrack build)")
        out = args.out if args.out is not None else args.public_db.parent / "reports"
        written = write_quarterly_recidivism(args.public_db, out)
    else:
        from crosstrack.reports.sid_capture import write_sid_capture_report

        if not args.warehouse.is_file():
            raise CliError(f"--warehouse {args.warehouse}: no such warehouse file")
        out = args.out if args.out is not None else args.warehouse.parent / "restricted_reports"
        publish_folder = inside_publish_folder(out)
        if publish_folder is not None:
            raise CliError(
                f"--out {out}: inside the publish folder {publish_folder}; the SID capture report is restricted"
            )
        try:
            written = write_sid_capture_report(args.warehouse, out)
        except LookupError as exc:
            raise CliError(str(exc)) from exc
    for path in written:
        print(f"written: {path}")
    return 0
