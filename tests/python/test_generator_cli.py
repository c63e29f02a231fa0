"""`crosstrack generate` refuses bad arguments with one clear line naming the argument (exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosstrack.cli import main

GOOD = {"--scale": "0.001", "--seed": "1", "--as-of": "2025-06-30"}


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str] | None = None, **override: str):
    args = {**GOOD, **{f"--{name}": value for name, value in override.items()}}
    argv = ["generate", "--out", str(tmp_path / "out")]
    argv += [f"{name}={value}" for name, value in args.items()]
    code = main(argv + (extra or []))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("--scale", "0"),
        ("--scale", "-1"),
        ("--scale", "5.5"),
        ("--scale", "lots"),
        ("--seed", "-1"),
        ("--seed", "1.5"),
        ("--seed", "seven"),
        ("--as-of", "2017-12-31"),
        ("--as-of", "2036-01-01"),
        ("--as-of", "2024-02-30"),
        ("--as-of", "06/30/2025"),
    ],
)
def test_bad_argument_exits_2_naming_the_argument(tmp_path, capsys, argument: str, value: str) -> None:
    code, err = _run(tmp_path, capsys, **{argument.lstrip("-"): value})
    assert code == 2
    assert err.count("\n") == 1
    assert argument in err and value in err
    assert not (tmp_path / "out").exists()


def test_non_empty_output_directory_needs_force(tmp_path, capsys) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    code, err = _run(tmp_path, capsys)
    assert code == 2 and "--out" in err and "--force" in err
    code, _ = _run(tmp_path, capsys, extra=["--force"])
    assert code == 0
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_faults_file_must_exist_and_name_known_rates(tmp_path, capsys) -> None:
    code, err = _run(tmp_path, capsys, extra=["--faults", str(tmp_path / "nope.yml")])
    assert code == 2 and "--faults" in err
    bad = tmp_path / "bad.yml"
    bad.write_text("name_typos: 0.1\n")
    code, err = _run(tmp_path, capsys, extra=["--faults", str(bad)])
    assert code == 2 and "--faults" in err and "name_typos" in err
    out_of_range = tmp_path / "range.yml"
    out_of_range.write_text("name_typo: 2\n")
    code, err = _run(tmp_path, capsys, extra=["--faults", str(out_of_range)])
    assert code == 2 and "name_typo" in err


def test_faults_and_no_faults_exclude_each_other(tmp_path, capsys) -> None:
    rates = tmp_path / "rates.yml"
    rates.write_text("name_typo: 0.1\n")
    code, err = _run(tmp_path, capsys, extra=["--faults", str(rates), "--no-faults"])
    assert code == 2 and "--no-faults" in err


def test_no_faults_logs_no_faults_and_a_faults_file_overrides_a_rate(tmp_path, capsys) -> None:
    import pandas as pd

    code, _ = _run(tmp_path, capsys, extra=["--no-faults"])
    assert code == 0
    assert len(pd.read_parquet(tmp_path / "out" / "truth" / "faults.parquet")) == 0
    rates = tmp_path / "rates.yml"
    rates.write_text("name_typo: 0.2\n")
    code, _ = _run(tmp_path, capsys, extra=["--faults", str(rates), "--force"])
    assert code == 0
    faults = pd.read_parquet(tmp_path / "out" / "truth" / "faults.parquet")
    links = pd.read_parquet(tmp_path / "out" / "truth" / "record_links.parquet")
    person_records = links.file.isin(["dockets.csv", "Inmate.csv", "inmates.csv", "PROBATIONER.csv"]).sum()
    typos = (faults.fault_kind == "name_typo").sum()
    assert typos > 0.1 * person_records  # rate 0.2 instead of the default 0.004
