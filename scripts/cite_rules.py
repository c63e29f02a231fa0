"""Point every citation of the rules into the repository: rewrite references to an outside specification (its path,
its name before a rule id or a section number) as references to the rulebook, docs/rules.md. Deterministic and
idempotent: run it again on any tree, it changes nothing the second time. See crosstrack/contract/citations.py.
Then it renders the derived files again (`crosstrack contract render`, in a new process that reads the rewritten
sources), so that a derived file and its source keep citing alike.

    .venv/bin/python scripts/cite_rules.py [--root .]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from crosstrack.contract import load_contract
from crosstrack.contract.citations import rewrite_tree
from crosstrack.contract.render import rendered_files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."), help="project root (default: current folder)")
    args = parser.parse_args()
    changed = rewrite_tree(args.root, set(rendered_files(load_contract())))
    print(f"rewrote the citations of {len(changed)} file(s)")
    for path in changed:
        print(f"  {path}")
    render = [sys.executable, "-m", "crosstrack.cli", "contract", "render", "--root", str(args.root)]
    return subprocess.run(render, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
