"""`crosstrack publish`: publish a warehouse built by `dbt build` (or `crosstrack build`) as a new release, and
optionally load that release into PostgreSQL; the same code as the build's publish stage."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from crosstrack.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse", type=Path, help="the built DuckDB file (env CROSSTRACK_DB; default warehouse/crosstrack.duckdb)"
    )
    parser.add_argument(
        "--publish-dir",
        type=Path,
        help="the publish folder: releases/, current, crosstrack_public.duckdb (default: the folder of "
        "CROSSTRACK_PUBLIC_DB, warehouse/public)",
    )
    parser.add_argument(
        "--landing",
        type=Path,
        help="the delivery it was built from: checked against the delivery manifest the warehouse carries "
        "(a differing file is an error), or checksummed for a warehouse without one",
    )
    parser.add_argument(
        "--as-of", help="the as_of date to record, YYYY-MM-DD, when the warehouse has no public.pub_release table"
    )
    parser.add_argument("--keep", type=int, help="releases to keep besides pinned ones (default 8)")
    parser.add_argument(
        "--restricted-reports",
        type=Path,
        help="where the RESTRICTED SID capture report is archived per release id, outside the publish folder "
        "(default restricted_reports/ beside the warehouse)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="then load the release into PostgreSQL (postgresql://user@host:port/db) and swap it in",
    )
    parser.add_argument("--pg-schema", default="crosstrack_public", help="the PostgreSQL schema BI tools read")
    parser.add_argument(
        "--pg-reader-role",
        default="crosstrack_reader",
        help="the read-only role granted the schema (created if absent)",
    )


def run(args: argparse.Namespace) -> int:
    from crosstrack.publish import PublishError, publish
    from crosstrack.releases import ReleaseError
    from crosstrack.settings import Settings

    if args.as_of is not None:
        try:
            dt.date.fromisoformat(args.as_of)
        except ValueError as exc:
            raise CliError(f"--as-of must be a date YYYY-MM-DD, got {args.as_of!r}") from exc
    settings = Settings.load(db=args.warehouse)
    publish_dir = args.publish_dir if args.publish_dir is not None else settings.public_db.parent
    try:
        release = publish(
            settings.db,
            publish_dir,
            landing_dir=args.landing,
            as_of=args.as_of,
            keep=args.keep,
            restricted_dir=args.restricted_reports,
        )
    except (PublishError, ReleaseError) as exc:
        raise CliError(str(exc)) from exc
    print(f"published release {release.release_id} at {release.release_dir} (current)")
    for path in release.restricted_reports:
        print(f"archived the RESTRICTED report {path}")
    if args.postgres:
        from crosstrack.publish_postgres import PostgresPublishError, load_release

        try:
            load_release(release.release_dir, args.postgres, schema=args.pg_schema, reader_role=args.pg_reader_role)
        except PostgresPublishError as exc:
            raise CliError(str(exc)) from exc
        print(f"loaded into PostgreSQL schema {args.pg_schema} (read-only role {args.pg_reader_role})")
    return 0
