"""`crosstrack apikey`: add, list and revoke the API keys of the restricted endpoints (stored hashed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from crosstrack.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keys", type=Path, help="the key file (env CROSSTRACK_API_KEYS; default warehouse/api_keys.json)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create a key; it is printed once, only its hash is stored")
    add.add_argument("--name", required=True, help="who holds the key (shown in the audit log)")
    add.add_argument("--role", default="restricted", help="restricted (reads person-level data) or public")
    actions.add_parser("list", help="list the keys (never the keys themselves)")
    revoke = actions.add_parser("revoke", help="revoke the active key with this name or id")
    revoke.add_argument("name_or_id")


def run(args: argparse.Namespace) -> int:
    from crosstrack.api.keys import KeyStoreError, add_key, read_keys, revoke_key
    from crosstrack.settings import Settings

    path = Settings.load(api_keys=args.keys).api_keys
    try:
        if args.action == "add":
            key, stored = add_key(path, args.name, args.role)
            print(f"key for {stored.name} (role {stored.role}, id {stored.key_id}); shown once, store it now:")
            print(key)
        elif args.action == "list":
            keys = read_keys(path)
            if not keys:
                print(f"no keys in {path}")
            for stored in keys:
                state = f"revoked {stored.revoked_at}" if stored.revoked_at else "active"
                print(f"{stored.key_id}  {stored.name:<24} {stored.role:<11} created {stored.created_at}  {state}")
        else:
            for stored in revoke_key(path, args.name_or_id):
                print(f"revoked {stored.key_id} ({stored.name})")
    except KeyStoreError as exc:
        raise CliError(str(exc)) from exc
    return 0
