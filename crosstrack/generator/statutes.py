"""The catalogue of real Massachusetts statute citations the generator charges people with."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np


@dataclass(frozen=True)
class Statutes:
    citation: np.ndarray  # "chapter/section/subsection"
    chapter: np.ndarray
    severity: np.ndarray  # "F" | "M" (R-OFF-1)
    weight: np.ndarray  # relative charging frequency
    rare: np.ndarray  # bool

    @property
    def is_felony(self) -> np.ndarray:
        return self.severity == "F"

    def index_of(self, citation: str) -> int:
        return int(np.flatnonzero(self.citation == citation)[0])


@cache
def load_statutes() -> Statutes:
    text = resources.files(__package__).joinpath("data/statutes.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    for row in rows:
        parts = row["citation"].split("/")
        if len(parts) != 3 or parts[:2] != [row["chapter"], row["section"]] or parts[2] != row["subsection"]:
            raise ValueError(f"statutes.csv: citation {row['citation']!r} is not chapter/section/subsection")
    return Statutes(
        citation=np.array([r["citation"] for r in rows]),
        chapter=np.array([r["chapter"] for r in rows]),
        severity=np.array([r["severity"] for r in rows]),
        weight=np.array([float(r["weight"]) for r in rows]),
        rare=np.array([r["rare"] == "1" for r in rows]),
    )
