"""The `crosstrack` command: it imports only the module of the subcommand being run, and `crosstrack build`
offers every option of the data-quality gate."""

from __future__ import annotations

import argparse
import subprocess
import sys

from crosstrack.cli import build_parser
from crosstrack.pipeline import GATE_OPTIONS_SET_BY_BUILD, gate_parser

DATA_LIBRARIES = ("pandas", "duckdb", "dbt", "great_expectations", "pyarrow", "numpy", "fastapi")


def _modules_after(argv: list[str]) -> tuple[str, set[str]]:
    """Run `crosstrack ARGV` in a fresh interpreter; its output and the top-level packages it had imported."""
    script = (
        "import sys\n"
        "from crosstrack.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    output, _, modules = completed.stdout.rpartition("MODULES ")
    return output, set(modules.split())


def test_the_top_level_help_imports_no_data_library_and_no_subcommand() -> None:
    output, modules = _modules_after(["--help"])
    assert "usage: crosstrack" in output
    assert "validate" in output and "build" in output  # every subcommand is listed
    assert {name.split(".")[0] for name in modules} & set(DATA_LIBRARIES) == set()
    assert not any(name.endswith("_command") or name.endswith(".command") for name in modules)


def test_a_subcommand_imports_its_own_module_only() -> None:
    output, modules = _modules_after(["secret", "--help"])
    assert "init" in output
    assert "crosstrack.secret_command" in modules
    assert {"crosstrack.build_command", "crosstrack.quality.command", "crosstrack.api"} & modules == set()


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {action.dest: action for action in parser._actions}


def test_build_offers_every_option_of_the_gate() -> None:
    build = build_parser("build")
    (build_sub,) = (a for a in build._actions if isinstance(a, argparse._SubParsersAction))
    offered = _options(build_sub.choices["build"])
    gate = _options(gate_parser())
    passed_on = set(gate) - GATE_OPTIONS_SET_BY_BUILD
    assert passed_on  # the gate has options of its own to pass on
    for dest in passed_on:
        assert offered[dest].option_strings == gate[dest].option_strings
        assert offered[dest].default == gate[dest].default
    args = build.parse_args(["build", "--landing", "d", "--as-of", "2026-07-01", "--chunk-rows", "7", "--no-gx"])
    assert set(args.gate_option_names) == passed_on  # what the build hands to the gate
    assert (args.chunk_rows, args.no_gx) == (7, True)
