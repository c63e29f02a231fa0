"""The checks the gate runs on one landing file, derived from the landing contract (nothing restated by hand).

`plan_for(landing_file, system, settings)` turns the contract's columns into a `FilePlan`: which columns are
required, typed (integer, date, timestamp), coded (code set or flag values), ranged, and which pairs of date
columns must be ordered. The only hand-written knowledge here is declarative and small:

- `ORDERING_WORDS`: a column whose staged name holds an end word must not precede the column whose staged name
  holds the matching start word in the same place (`placement_start_date` / `placement_end_date`,
  `admission_date` / `release_date`, `commitment_at` / `release_at`, `enrollment_date` / `exit_date`).
- the plausibility bounds in `GateSettings` (dates not before 1900 nor after extract date plus a margin; a birth date
  date makes an age of 10 to 110 on the extract date; no field longer than `max_field_chars`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from crosstrack.contract import Column, LandingFile, System

# (start word, end word) in staged column names: the end must be on or after the start (same row).
ORDERING_WORDS: tuple[tuple[str, str], ...] = (
    ("start", "end"),
    ("admission", "release"),
    ("booking", "release"),
    ("commitment", "release"),
    ("enrollment", "exit"),
)

# A value a spreadsheet would run as a formula (OWASP "CSV injection"): = + - @ (after optional blanks or
# tab / carriage return), unless the rest is a plain number ("-5", "+1 555").
FORMULA_PREFIX = r"^[\t\r ]*[=+\-@]"  # what every such value starts with (a fast, RE2-compatible first filter)
FORMULA_PATTERN = FORMULA_PREFIX + r"(?![\d.,\s]*$)"
FORMULA_RE = re.compile(FORMULA_PATTERN)

INTEGER_PATTERN = r"^[+-]?\d+$"


@dataclass(frozen=True)
class GateSettings:
    """Plausibility bounds and limits of the gate (see docs/data_quality.md)."""

    extract_date: dt.date  # the date the delivery was extracted: "now" for plausible dates and ages
    future_margin_days: int = 31
    earliest_date: dt.date = dt.date(1900, 1, 1)
    min_age: int = 10
    max_age: int = 110
    max_field_chars: int = 1000
    volume_ratio: float = 2.0

    @property
    def latest_date(self) -> dt.date:
        return self.extract_date + dt.timedelta(days=self.future_margin_days)

    @property
    def earliest_birth_date(self) -> dt.date:
        return _years_before(self.extract_date, self.max_age)

    @property
    def latest_birth_date(self) -> dt.date:
        return _years_before(self.extract_date, self.min_age)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class DateBounds:
    earliest: dt.date
    latest: dt.date
    reason_early: str
    reason_late: str


@dataclass(frozen=True)
class ColumnPlan:
    column: Column
    parse_format: str | None
    allowed_values: tuple[str, ...] | None  # code set or flag values; None: any value
    date_bounds: DateBounds | None

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def is_temporal(self) -> bool:
        return self.column.type in ("date", "timestamp")


@dataclass(frozen=True)
class OrderingPair:
    start: Column
    end: Column

    @property
    def reason(self) -> str:
        return f"{self.end.staged_as} before {self.start.staged_as}"


@dataclass(frozen=True)
class FilePlan:
    landing_file: LandingFile
    system: System
    columns: tuple[ColumnPlan, ...]
    ordering: tuple[OrderingPair, ...]
    settings: GateSettings
    expected_header: tuple[str, ...] = field(default_factory=tuple)

    @property
    def primary_key(self) -> str:
        return self.landing_file.primary_key


def allowed_values(column: Column, system: System) -> tuple[str, ...] | None:
    """The values a code or flag column may take (code set from the contract, or the system's flag values)."""
    if column.type == "code" and column.code_set:
        return tuple(system.code_sets[column.code_set])
    if column.type == "flag":
        return (system.flag_true, system.flag_false)
    return None


def date_bounds(column: Column, settings: GateSettings) -> DateBounds | None:
    if column.type not in ("date", "timestamp"):
        return None
    if column.staged_as == "birth_date":
        return DateBounds(
            earliest=settings.earliest_birth_date,
            latest=settings.latest_birth_date,
            reason_early=f"implausible birth date: age over {settings.max_age} on {settings.extract_date}",
            reason_late=f"implausible birth date: age under {settings.min_age} on {settings.extract_date}",
        )
    return DateBounds(
        earliest=settings.earliest_date,
        latest=settings.latest_date,
        reason_early=f"impossible date: before {settings.earliest_date}",
        reason_late=(
            f"impossible date: after {settings.latest_date} (extract date plus {settings.future_margin_days} days)"
        ),
    )


def ordering_pairs(landing_file: LandingFile) -> tuple[OrderingPair, ...]:
    """Date pairs of one row that must be ordered, found by `ORDERING_WORDS` in the staged names."""
    temporal = {c.staged_as: c for c in landing_file.columns if c.type in ("date", "timestamp")}
    pairs = []
    for start in temporal.values():
        tokens = start.staged_as.split("_")
        for start_word, end_word in ORDERING_WORDS:
            if start_word not in tokens:
                continue
            end_name = "_".join(end_word if t == start_word else t for t in tokens)
            end = temporal.get(end_name)
            if end is not None and end.type == start.type:
                pairs.append(OrderingPair(start=start, end=end))
    return tuple(pairs)


def plan_for(landing_file: LandingFile, system: System, settings: GateSettings) -> FilePlan:
    columns = tuple(
        ColumnPlan(
            column=col,
            parse_format=col.parse_format(system),
            allowed_values=allowed_values(col, system),
            date_bounds=date_bounds(col, settings),
        )
        for col in landing_file.columns
    )
    return FilePlan(
        landing_file=landing_file,
        system=system,
        columns=columns,
        ordering=ordering_pairs(landing_file),
        settings=settings,
        expected_header=tuple(landing_file.column_names),
    )
