"""`crosstrack serve`: run the API (public aggregates and the audited restricted timeline) with uvicorn."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from crosstrack.cli import CliError


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
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from crosstrack.api import create_app
    from crosstrack.settings import Settings

    settings = Settings.load(public_db=args.public_db, db=args.warehouse, api_keys=args.keys, audit_log=args.audit_log)
    if not 0 < args.port < 65536:
        raise CliError(f"--port must be 1-65535, got {args.port}")
    if not settings.public_db.exists():
        print(f"warning: no public release at {settings.public_db} yet; public endpoints answer 503 until it exists")
    print(f"public release {settings.public_db}; restricted warehouse {settings.db}")
    print(f"keys {settings.api_keys}; audit log {settings.audit_log}")
    if args.workers > 1:
        # Workers import the app themselves: hand the settings over through the environment they read.
        os.environ.update(settings.environment("public_db", "db", "api_keys", "audit_log"))
        uvicorn.run(
            "crosstrack.api:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=False,
        )
    else:
        # proxy_headers=False: uvicorn would otherwise let X-Forwarded-For from 127.0.0.1 name the client; the app
        # trusts only the proxies configured in CROSSTRACK_API_TRUSTED_PROXIES (crosstrack/api/app.py).
        uvicorn.run(create_app(settings), host=args.host, port=args.port, proxy_headers=False)
    return 0
