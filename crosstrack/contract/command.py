"""`crosstrack contract render|check`: keep the dbt sources, staging models and data dictionary in step."""

from __future__ import annotations

import argparse
from pathlib import Path

from crosstrack.contract import load_contract
from crosstrack.contract.render import stale_rendered, write_rendered


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["render", "check"], help="write the derived files, or check them")
    parser.add_argument("--root", type=Path, default=Path("."), help="project root (default: current folder)")


def run(args: argparse.Namespace) -> int:
    contract = load_contract()
    if args.action == "render":
        written = write_rendered(contract, args.root)
        print(f"rendered {len(written)} changed file(s) from the landing contract")
        for path in written:
            print(f"  {path}")
        return 0
    stale = stale_rendered(contract, args.root)
    if stale:
        print("these files differ from the landing contract; run `crosstrack contract render`:")
        for path in stale:
            print(f"  {path}")
        return 1
    print("derived files match the landing contract")
    return 0
