"""`crosstrack generate --scale S --seed N --as-of DATE --out DIR [--faults FILE | --no-faults] [--force]
[--profile default|legacy]`."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crosstrack.generator.faults import FaultRates

MAX_SCALE = 5.0
FIRST_AS_OF = dt.date(2018, 1, 1)
LAST_AS_OF = dt.date(2035, 12, 31)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", required=True, help="size relative to Massachusetts (1.0 = about 472,000 people)")
    parser.add_argument("--seed", required=True, help="random seed (non-negative integer)")
    parser.add_argument("--as-of", required=True, dest="as_of", help="extract date, YYYY-MM-DD (2018-2035)")
    parser.add_argument("--out", required=True, help="output directory (gets landing/, truth/, manifest.json)")
    parser.add_argument("--faults", help="YAML file overriding data-quality fault rates (see docs/generator.md)")
    parser.add_argument("--no-faults", action="store_true", dest="no_faults", help="inject no data-quality faults")
    parser.add_argument(
        "--profile",
        default="default",
        choices=("default", "legacy"),
        help="identity noise: default (none beyond the faults) or legacy (the hardest case; docs/generator.md)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite a non-empty output directory")


def _error(message: str) -> Exception:
    from crosstrack.cli import CliError

    return CliError(message)


def parse_scale(text: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        raise _error(f"--scale must be a number, got {text!r}") from None
    if not (0 < scale <= MAX_SCALE):
        raise _error(f"--scale must be greater than 0 and at most {MAX_SCALE:g}, got {text}")
    return scale


def parse_seed(text: str) -> int:
    if not str(text).isdigit():
        raise _error(f"--seed must be a non-negative integer, got {text!r}")
    return int(text)


def parse_as_of(text: str) -> str:
    try:
        date = dt.date.fromisoformat(text)
        if len(text) != 10:
            raise ValueError
    except ValueError:
        raise _error(f"--as-of must be a real date written YYYY-MM-DD, got {text!r}") from None
    if not FIRST_AS_OF <= date <= LAST_AS_OF:
        raise _error(f"--as-of must be between {FIRST_AS_OF} and {LAST_AS_OF}, got {text}")
    return date.isoformat()


def parse_fault_rates(path_text: str | None, no_faults: bool) -> FaultRates:
    from crosstrack.generator.faults import FaultRates

    if no_faults and path_text:
        raise _error("--faults and --no-faults exclude each other")
    if no_faults:
        return FaultRates.none()
    if not path_text:
        return FaultRates()
    path = Path(path_text)
    if not path.is_file():
        raise _error(f"--faults: no such file {path_text!r}")
    try:
        return FaultRates.from_yaml(path)
    except (ValueError, OSError) as exc:
        raise _error(f"--faults: {exc}") from None
    except Exception as exc:  # a YAML syntax error
        raise _error(f"--faults: cannot read {path_text!r}: {exc}") from None


def prepare_out(path_text: str, force: bool) -> Path:
    out = Path(path_text)
    if out.exists() and not out.is_dir():
        raise _error(f"--out {path_text!r} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise _error(f"--out directory {path_text!r} is not empty (use --force to overwrite it)")
        for sub in ("landing", "truth"):
            shutil.rmtree(out / sub, ignore_errors=True)
        (out / "manifest.json").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    return out


def run(args: argparse.Namespace) -> int:
    from crosstrack.generator.config import IDENTITY_PROFILES
    from crosstrack.generator.generate import GenerateOptions, generate

    options = GenerateOptions(
        profile=args.profile,
        identity=IDENTITY_PROFILES[args.profile],
        scale=parse_scale(args.scale),
        seed=parse_seed(args.seed),
        as_of=parse_as_of(args.as_of),
        out=Path(args.out),
        faults=parse_fault_rates(args.faults, args.no_faults),
    )
    prepare_out(args.out, args.force)
    from crosstrack.progress import Progress

    with Progress("generate", unit="steps") as progress:
        manifest = generate(options, progress=progress)
    print(f"wrote {manifest['total_rows']:,} rows in {len(manifest['row_counts'])} files to {options.out}/landing")
    return 0
