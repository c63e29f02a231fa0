"""Name lists for synthetic people: common surnames and given names of Massachusetts residents (data/names.csv)."""

from __future__ import annotations

import csv
from importlib import resources


def _names(kind: str) -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("data/names.csv").read_text(encoding="utf-8")
    return tuple(row["name"] for row in csv.DictReader(text.splitlines()) if row["kind"] == kind)


LAST_NAMES: tuple[str, ...] = _names("last")
MALE_FIRST_NAMES: tuple[str, ...] = _names("male_first")
FEMALE_FIRST_NAMES: tuple[str, ...] = _names("female_first")
