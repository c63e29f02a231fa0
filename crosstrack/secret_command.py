"""`crosstrack secret init`: create the deployment secret (mode 0600) if it is absent; prints its path, never it."""

from __future__ import annotations

import argparse
from pathlib import Path

from crosstrack.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser("init", help="create the secret file if absent, then check it")
    init.add_argument(
        "--file", type=Path, help="the secret file (env CROSSTRACK_SECRET_FILE; default .secrets/crosstrack.key)"
    )


def run(args: argparse.Namespace) -> int:
    from crosstrack.secret import SecretError, create_secret, load_secret, secret_path

    path = args.file if args.file is not None else secret_path()
    existed = path.exists()
    try:
        create_secret(path)
        load_secret(path)  # an existing file must be fit too
    except (SecretError, OSError) as exc:
        raise CliError(str(exc)) from exc
    print(f"{'kept the existing' if existed else 'created the'} deployment secret {path}")
    return 0
