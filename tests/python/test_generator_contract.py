"""Every generated landing file conforms to the landing contract, except where a logged fault says otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import read_landing

from crosstrack.contract import Contract, load_contract

FILES = [f.relative_path for f in load_contract().files]


@pytest.fixture(scope="module")
def faults(generated_delivery: Path) -> pd.DataFrame:
    return pd.read_parquet(generated_delivery / "truth" / "faults.parquet")


def _faulted_rows(faults: pd.DataFrame, relative_path: str, column: str | None, kinds: set[str]) -> set[int]:
    """0-based row positions of logged faults (landing_row is 1-based)."""
    system, file_name = relative_path.split("/")
    hit = faults[(faults.system == system) & (faults.file == file_name) & faults.fault_kind.isin(kinds)]
    if column is not None:
        hit = hit[hit.column == column]
    return set((hit.landing_row - 1).tolist())


def _bad_rows(mask: pa.Array) -> set[int]:
    return set(np.flatnonzero(mask.to_numpy(zero_copy_only=False)).tolist())


@pytest.mark.parametrize("relative_path", FILES)
def test_header_is_exactly_the_contract_columns_in_order(generated_delivery: Path, contract: Contract, relative_path):
    header = (generated_delivery / "landing" / relative_path).open(encoding="utf-8").readline().rstrip("\n")
    assert header.split(",") == contract.file(relative_path).column_names


@pytest.mark.parametrize("relative_path", FILES)
def test_file_is_utf8_with_lf_line_ends_and_has_rows(generated_delivery: Path, relative_path: str) -> None:
    raw = (generated_delivery / "landing" / relative_path).read_bytes()
    raw.decode("utf-8")
    assert b"\r\n" not in raw
    assert raw.endswith(b"\n")
    assert raw.count(b"\n") > 1, "a file with no data rows tests nothing"


@pytest.mark.parametrize("relative_path", FILES)
def test_dates_parse_with_the_contract_format_except_logged_faults(
    generated_delivery: Path, contract: Contract, faults: pd.DataFrame, relative_path: str
) -> None:
    landing_file = contract.file(relative_path)
    system = contract.system(landing_file.system)
    table = read_landing(generated_delivery, landing_file)
    for column in landing_file.columns:
        if column.type not in ("date", "timestamp"):
            continue
        values = table.column(column.name)
        parsed = pc.strptime(values, format=column.parse_format(system), unit="s", error_is_null=True)
        unparsed = pc.and_(pc.is_valid(values), pc.is_null(parsed))
        allowed = _faulted_rows(faults, relative_path, column.name, {"malformed_value"})
        assert _bad_rows(unparsed) <= allowed, f"{relative_path}.{column.name}: unparseable dates not logged"


@pytest.mark.parametrize("relative_path", FILES)
def test_codes_flags_and_integers_are_valid_except_logged_faults(
    generated_delivery: Path, contract: Contract, faults: pd.DataFrame, relative_path: str
) -> None:
    landing_file = contract.file(relative_path)
    system = contract.system(landing_file.system)
    table = read_landing(generated_delivery, landing_file)
    for column in landing_file.columns:
        values = table.column(column.name)
        if column.type == "code":
            codes = pa.array(list(system.code_sets[column.code_set]))
            bad = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=codes)))
            allowed = _faulted_rows(faults, relative_path, column.name, {"unknown_code"})
        elif column.type == "flag":
            bad = pc.and_(
                pc.is_valid(values),
                pc.invert(pc.is_in(values, value_set=pa.array([system.flag_true, system.flag_false]))),
            )
            allowed = set()
        elif column.type == "integer":
            bad = pc.and_(pc.is_valid(values), pc.invert(pc.match_substring_regex(values, r"^-?[0-9]+$")))
            allowed = _faulted_rows(faults, relative_path, column.name, {"malformed_value"})
        else:
            continue
        assert _bad_rows(bad) <= allowed, f"{relative_path}.{column.name}: invalid values not logged as faults"


@pytest.mark.parametrize("relative_path", FILES)
def test_primary_keys_are_unique_except_logged_duplicates(
    generated_delivery: Path, contract: Contract, faults: pd.DataFrame, relative_path: str
) -> None:
    landing_file = contract.file(relative_path)
    keys = read_landing(generated_delivery, landing_file).column(landing_file.primary_key).to_pandas()
    assert keys.notna().all()
    repeated = set(np.flatnonzero(keys.duplicated().to_numpy()).tolist())
    assert repeated == _faulted_rows(faults, relative_path, None, {"duplicate_row"})


@pytest.mark.parametrize("relative_path", FILES)
def test_required_columns_are_filled_except_logged_faults(
    generated_delivery: Path, contract: Contract, faults: pd.DataFrame, relative_path: str
) -> None:
    landing_file = contract.file(relative_path)
    table = read_landing(generated_delivery, landing_file)
    for column in landing_file.columns:
        if column.required:
            assert table.column(column.name).null_count == 0, f"{relative_path}.{column.name} has empty values"


def test_every_fault_points_at_an_existing_row_and_column(
    generated_delivery: Path, contract: Contract, faults: pd.DataFrame
) -> None:
    assert len(faults) > 0
    for (system, file_name), group in faults.groupby(["system", "file"]):
        landing_file = contract.system(system).file(file_name)
        rows = read_landing(generated_delivery, landing_file).num_rows
        assert group.landing_row.between(1, rows).all()
        named = group.column.dropna()
        assert set(named) <= set(landing_file.column_names)


def test_relational_references_resolve(generated_delivery: Path, contract: Contract) -> None:
    """A child row's reference (`references` in the contract) points at a parent row that exists."""
    for landing_file in contract.files:
        system = contract.system(landing_file.system)
        for column in landing_file.columns:
            if not column.references:
                continue
            target_file, _, target_column = column.references.rpartition(".")
            parent = read_landing(generated_delivery, system.file(target_file)).column(target_column)
            child = read_landing(generated_delivery, landing_file).column(column.name)
            missing = pc.sum(pc.invert(pc.is_in(child, value_set=parent))).as_py()
            assert missing == 0, f"{landing_file.relative_path}.{column.name}: {missing} dangling references"


def test_csv_writer_quotes_only_fields_that_need_it(tmp_path: Path) -> None:
    from crosstrack.generator.render import write_csv

    columns = {"a": pa.array(["plain", "with,comma", None]), "b": pa.array(['say "hi"', "two\nlines", "x"])}
    write_csv(tmp_path / "f.csv", columns, np.array([0, 1, 2, 2]))
    text = (tmp_path / "f.csv").read_text(encoding="utf-8")
    assert text == 'a,b\nplain,"say ""hi"""\n"with,comma","two\nlines"\n,x\n,x\n'
