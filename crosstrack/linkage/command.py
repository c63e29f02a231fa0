"""`crosstrack linkage train --typed DIR [--out FILE]`: estimate the splink model on a delivery the gate typed.

The model is written to crosstrack/linkage/model.json by default: the versioned model every build's link stage
loads (docs/identity.md, "Probabilistic linkage"). Review the diff and commit it like code.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    train = sub.add_parser("train", help="estimate the model (u by sampling, m by expectation maximisation)")
    train.add_argument("--typed", type=Path, required=True, help="the gate's typed records: <quality dir>/landing")
    train.add_argument("--out", type=Path, help="the model file (default: the packaged crosstrack/linkage/model.json)")
    train.add_argument("--max-pairs", type=float, default=5e6, help="random pairs sampled to estimate u")
    train.add_argument("--seed", type=int, default=1, help="the sampling seed")


def run(args: argparse.Namespace) -> int:
    from crosstrack.cli import CliError
    from crosstrack.linkage.link import train
    from crosstrack.linkage.model import packaged_model

    if not args.typed.is_dir():
        raise CliError(f"--typed: no such folder {str(args.typed)!r} (run crosstrack validate first)")
    try:
        out = train(args.typed, args.out or packaged_model(), max_pairs=args.max_pairs, seed=args.seed)
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from exc
    print(f"trained model written to {out}")
    return 0
