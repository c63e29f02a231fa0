"""The `crosstrack` command. Each subcommand lives in its own module with `configure(parser)` and `run(args)`.

Only the module of the subcommand being run is imported (`crosstrack --help` imports no data library), and a
subcommand module imports its heavy libraries inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help). A module is imported only when its subcommand runs or is described.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("crosstrack.generator.command", "write synthetic agency extracts and their ground truth"),
    "contract": (
        "crosstrack.contract.command",
        "render every generated file from the landing contract, the cube definition and the rulebook, or check them",
    ),
    "validate": ("crosstrack.quality.command", "run the data-quality gate on a delivery of extracts"),
    "build": ("crosstrack.build_command", "gate a delivery, build the warehouse into a new file, publish it"),
    "publish": (
        "crosstrack.publish_command",
        "publish a built warehouse's public layer as a new release (optionally into PostgreSQL)",
    ),
    "release": ("crosstrack.release_command", "list, prune, pin or unpin the kept public releases"),
    "serve": ("crosstrack.serve_command", "run the API: public aggregates and the audited restricted timeline"),
    "apikey": ("crosstrack.apikey_command", "add, list or revoke API keys for the restricted endpoints"),
    "secret": ("crosstrack.secret_command", "create the deployment secret that keys the published noise"),
    "report": ("crosstrack.reports.command", "write a report: quarterly recidivism (public), SID capture (restricted)"),
    "linkage": ("crosstrack.linkage.command", "train the probabilistic record-linkage model on a delivery"),
}


class CliError(Exception):
    """A user error: printed as one clear line, exit code 2."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand listed and only `command`'s options (its module imported) filled in."""
    parser = argparse.ArgumentParser(prog="crosstrack", description="Cross-Tracking data warehouse tools")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name != command:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The top level has no option taking a value: the first word that is not an option names the subcommand.
    command = next((word for word in argv if not word.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.error(f"'{args.command}' is not available in this installation")
    try:
        return int(args.run(args) or 0)
    except CliError as exc:
        print(f"crosstrack {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
