"""`crosstrack contract render|check`: keep every generated file in step with its declarative source.

The sources are the landing contract (crosstrack/contract/landing.yml: dbt sources, staging models, data
dictionary) and the cube definition (crosstrack/contract/cubes.yml: the public_cubes() macro and the YAML of the
publication and public models), and the rulebook (crosstrack/contract/rules.yml and the rule declarations:
docs/rules.md). `render` writes every derived file; `check` (run by `make lint`) fails when any of
them differs from a fresh render.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crosstrack.contract import ContractError, load_contract
from crosstrack.contract.cubes import check_program_groups
from crosstrack.contract.render import stale_rendered, write_rendered

SOURCES = "the landing contract, the cube definition and the rulebook"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["render", "check"], help="write the derived files, or check them")
    parser.add_argument("--root", type=Path, default=Path("."), help="project root (default: current folder)")


def run(args: argparse.Namespace) -> int:
    contract = load_contract()
    try:
        check_program_groups(args.root)
    except ContractError as exc:
        print(exc)
        return 1
    if args.action == "render":
        written = write_rendered(contract, args.root)
        print(f"rendered {len(written)} changed file(s) from {SOURCES}")
        for path in written:
            print(f"  {path}")
        return 0
    stale = stale_rendered(contract, args.root)
    if stale:
        print(f"these files differ from {SOURCES}; run `crosstrack contract render`:")
        for path in stale:
            print(f"  {path}")
        return 1
    print(f"derived files match {SOURCES}")
    return 0
