"""`crosstrack serve`: run the API (public aggregates and the audited restricted timeline) with uvicorn."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from crosstrack.cli import CliError
from crosstrack.machine import usable_cores


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument(
        "--public-db",
        type=Path,
        help="the published public release (env CROSSTRACK_PUBLIC_DB; "
        "default warehouse/public/crosstrack_public.duckdb)",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="the restricted warehouse (env CROSSTRACK_DB; default warehouse/crosstrack.duckdb)",
    )
    parser.add_argument(
        "--keys", type=Path, help="hashed API keys (env CROSSTRACK_API_KEYS; default warehouse/api_keys.json)"
    )
    parser.add_argument(
        "--audit-log", type=Path, help="restricted access log (env CROSSTRACK_AUDIT_LOG; default warehouse/audit.log)"
    )
    parser.add_argument(
        "--public-url",
        help="the public base URL that links in answers start with (env CROSSTRACK_API_PUBLIC_URL; "
        "default http://HOST:PORT)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help=f"uvicorn worker processes (default: one per core, at most {MAX_DEFAULT_WORKERS}; this machine: "
        f"{default_workers()})",
    )


# Each worker holds its own connection, catalog and answer cache (about 300 MB at scale 0.1 under load).
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """One worker per core this process may run on, at most MAX_DEFAULT_WORKERS."""
    return max(1, min(usable_cores(), MAX_DEFAULT_WORKERS))


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from crosstrack.api import create_app
    from crosstrack.settings import ENV_PREFIX, Settings

    if not 0 < args.port < 65536:
        raise CliError(f"--port must be 1-65535, got {args.port}")
    workers = args.workers if args.workers is not None else default_workers()
    if workers < 1:
        raise CliError(f"--workers must be 1 or more, got {workers}")
    public_url = args.public_url
    if public_url is None and not os.environ.get(ENV_PREFIX + "API_PUBLIC_URL"):
        public_url = f"http://{args.host}:{args.port}"
    settings = Settings.load(
        public_db=args.public_db,
        db=args.warehouse,
        api_keys=args.keys,
        audit_log=args.audit_log,
        api_public_url=public_url,
    )
    if not settings.public_db.exists():
        print(f"warning: no public release at {settings.public_db} yet; public endpoints answer 503 until it exists")
    print(f"public release {settings.public_db}; restricted warehouse {settings.db}")
    print(f"keys {settings.api_keys}; audit log {settings.audit_log}")
    print(f"links start with {settings.api_public_url}; {workers} worker{'s' if workers > 1 else ''}")
    # proxy_headers=False: uvicorn would otherwise let X-Forwarded-For from 127.0.0.1 name the client; the app
    # trusts only the proxies configured in CROSSTRACK_API_TRUSTED_PROXIES (crosstrack/api/app.py).
    # access_log=False: uvicorn's access log would write every client's address and query line to the server's
    # output; restricted requests are recorded in the audit log, and the line cost 4% of a worker's time under load.
    options = {"host": args.host, "port": args.port, "proxy_headers": False, "access_log": False}
    if workers > 1:
        # Workers import the app themselves: hand the settings over through the environment they read.
        os.environ.update(settings.environment("public_db", "db", "api_keys", "audit_log"))
        os.environ[ENV_PREFIX + "API_PUBLIC_URL"] = settings.api_public_url
        uvicorn.run("crosstrack.api:create_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0
