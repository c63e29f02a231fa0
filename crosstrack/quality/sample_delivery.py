"""A tiny, valid delivery written from the landing contract alone: the base the gate's bad-input tests break.

Every file gets `rows` rows. Identifiers are unique, references point at existing keys, dates follow the
system's format and their order (starts before ends), codes come from the code sets, integers sit in range.
It knows nothing of the domain beyond the contract, so it stays valid when the contract changes.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from crosstrack.contract import Column, LandingFile, System, load_contract
from crosstrack.quality.rules import ordering_pairs

FIRST_DAY = dt.date(2018, 1, 1)
FIRST_BIRTH_DAY = dt.date(1975, 1, 1)
NAMES = ("Smith", "Garcia", "Nguyen", "O'Brien", "Silva", "Johnson", "Cohen", "Doherty")


def key_value(landing_file: LandingFile, index: int) -> str:
    stem = landing_file.file_name.split(".")[0].upper()
    return f"{landing_file.system.upper()}-{stem}-{index + 1:06d}"


def _date_value(column: Column, system: System, index: int, is_end: bool) -> str:
    if column.staged_as == "birth_date":
        day = FIRST_BIRTH_DAY + dt.timedelta(days=97 * (index % 120))
    else:
        day = FIRST_DAY + dt.timedelta(days=3 * (index % 1000) + (30 if is_end else 0))
    moment = dt.datetime.combine(day, dt.time(12, 30, 0))
    return moment.strftime(column.parse_format(system) or "%Y-%m-%d")


def _value(column: Column, landing_file: LandingFile, system: System, index: int, ends: set[str]) -> str:
    if column.name == landing_file.primary_key:
        return key_value(landing_file, index)
    if column.references:
        target_file, _, _ = column.references.rpartition(".")
        return key_value(system.file(target_file), index)
    if column.type in ("date", "timestamp"):
        return _date_value(column, system, index, column.name in ends)
    if column.type == "integer":
        low, high = column.range or (0, 10_000)
        return str(low + index % (high - low + 1))
    if column.type == "code":
        codes = list(system.code_sets[column.code_set or ""])
        return codes[index % len(codes)]
    if column.type == "flag":
        return system.flag_true if index % 2 else system.flag_false
    if column.staged_as == "sid":
        return str(1_000_000 + index)
    if "name" in column.staged_as:
        return NAMES[index % len(NAMES)]
    return f"{column.staged_as.upper()}-{index % 7}"


def file_rows(landing_file: LandingFile, system: System, rows: int) -> list[list[str]]:
    ends = {pair.end.name for pair in ordering_pairs(landing_file)}
    return [[_value(c, landing_file, system, i, ends) for c in landing_file.columns] for i in range(rows)]


def write_file(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_sample_delivery(landing_dir: Path, rows: int = 20) -> Path:
    """Write a valid delivery under `landing_dir/<system>/<file>`; return `landing_dir`."""
    contract = load_contract()
    for landing_file in contract.files:
        system = contract.system(landing_file.system)
        write_file(
            landing_dir / landing_file.relative_path,
            landing_file.column_names,
            file_rows(landing_file, system, rows),
        )
    return landing_dir
