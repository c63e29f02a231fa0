"""`crosstrack release list|prune|pin|unpin`: the kept releases of a publish folder (crosstrack/releases.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from crosstrack.cli import CliError


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    commands = {
        "list": "the kept releases, the most recent first",
        "prune": "delete the releases the policy does not keep (the last --keep, the current one, pinned ones)",
        "pin": "keep a release whatever the pruning policy says",
        "unpin": "let the pruning policy decide again",
    }
    for name, help_text in commands.items():
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--publish-dir", type=Path, help="the publish folder (default: the folder of CROSSTRACK_PUBLIC_DB)"
        )
        if name == "prune":
            sub.add_argument("--keep", type=int, default=8, help="how many of the most recent to keep (default 8)")
        if name in ("pin", "unpin"):
            sub.add_argument("release_id")


def run(args: argparse.Namespace) -> int:
    from crosstrack import releases
    from crosstrack.settings import Settings

    publish_dir = args.publish_dir if args.publish_dir is not None else Settings().public_db.parent
    try:
        if args.action == "list":
            current, pinned = releases.current_id(publish_dir), releases.pinned_ids(publish_dir)
            for release in releases.list_releases(publish_dir):
                flags = [
                    flag for flag, on in (("current", release.id == current), ("pinned", release.id in pinned)) if on
                ]
                print(f"{release.id}  as_of {release.as_of}  published {release.published_at}  {' '.join(flags)}")
        elif args.action == "prune":
            removed = releases.prune(publish_dir, keep=args.keep)
            print(f"pruned {len(removed)} release(s){': ' + ', '.join(removed) if removed else ''}")
        else:
            releases.set_pinned(publish_dir, args.release_id, args.action == "pin")
            print(f"{args.action}ned {args.release_id}")
    except releases.ReleaseError as exc:
        raise CliError(str(exc)) from exc
    return 0
