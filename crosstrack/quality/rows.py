"""Row-level checks, vectorized per chunk: which rows are quarantined and why, and which values only warn.

Quarantine (the row is kept out of staging, R-EX-2: counted with its reason):
    required value missing; value not an integer; unparseable or impossible date; integer out of the contract's
    range; end date before its start date in the same row; duplicate primary key (first occurrence kept);
    value too long; formula-like string (CSV injection).
Warning only (recorded in the report, the row is loaded and conformed downstream):
    code not in the contract's code set (staging upper-cases and trims it; the conformed layer maps it).
A flag value other than the system's two flag values is quarantined: staging could not type it.

Rows are numbered as the staging layer numbers them: `landing_row` is the 1-based data-record number in the
file, header excluded (a quoted line break does not start a new record).

The typing rules live here and only here: `ChunkChecker.staged_table` is every record typed per the contract
(integer, date, timestamp, flag; strings and codes trimmed; an empty field is null), with its `landing_row`.
The gate writes it as Parquet and dbt's sources read that (models/staging/*/base): no file is parsed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crosstrack.quality.rules import FORMULA_PATTERN, FORMULA_PREFIX, FORMULA_RE, INTEGER_PATTERN, ColumnPlan, FilePlan

RULES = ("R-EX-2",)  # the rules of docs/rules.md this module implements

VALUE_CHARS = 200
SAMPLES_PER_WARNING = 5
BLOCK_BYTES = 32 << 20  # a record must fit in one block: a 1 MB field is fine
PARSED_PREFIX = "__parsed__"
QUARANTINE_COLUMNS = ["source_system", "file_name", "landing_row", "field", "reason", "value"]

TALLY_VALUES = 10  # sample values kept per expectation
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"

REASON_REQUIRED = "required value missing"
REASON_NOT_INTEGER = "not an integer"
REASON_DUPLICATE_KEY = "duplicate primary key (first occurrence kept)"
REASON_FORMULA = "formula-like value (possible CSV injection)"


def parsed_name(column: str) -> str:
    """The name of a column's typed copy in the frame the expectation suite validates."""
    return f"{PARSED_PREFIX}{column}"


def neutralize(value: str) -> str:
    """Truncate to 200 characters and defuse a spreadsheet formula with a leading apostrophe (OWASP)."""
    value = value[:VALUE_CHARS]
    return "'" + value if FORMULA_RE.match(value) else value


@dataclass
class RaggedRow:
    landing_row: int
    expected: int
    actual: int


@dataclass
class Warnings:
    """Counts and a few samples per (field, reason) of values that warn but do not quarantine."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    samples: dict[tuple[str, str], list[tuple[int, str]]] = field(default_factory=dict)

    def add(self, column: str, reason: str, rows: np.ndarray, values: np.ndarray) -> None:
        key = (column, reason)
        self.counts[key] = self.counts.get(key, 0) + len(rows)
        kept = self.samples.setdefault(key, [])
        for row, value in zip(rows[: SAMPLES_PER_WARNING - len(kept)], values, strict=False):
            kept.append((int(row), neutralize(str(value))))


INT32_MAX = 2**31 - 1
LANDING_ROW = "landing_row"


def staged_type(column_type: str) -> pa.DataType:
    """The type a landing value is staged as (what dbt's sources read from the gate's Parquet)."""
    return {
        "integer": pa.int32(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
        "flag": pa.bool_(),
    }.get(column_type, pa.string())


def staged_schema(plan: FilePlan) -> pa.Schema:
    fields = [pa.field(LANDING_ROW, pa.int64(), nullable=False)]
    fields += [pa.field(c.name, staged_type(c.column.type)) for c in plan.columns]
    return pa.schema(fields)


@dataclass
class ChunkResult:
    failures: pd.DataFrame  # landing_row, field, reason, value
    trimmed: dict[str, pd.Series]
    typed: dict[str, pd.Series]  # parsed_name(column) -> parsed values of integer, date and timestamp columns

    @property
    def frame_for_expectations(self) -> pd.DataFrame:
        """The raw columns as delivered (trimmed, empty = null) and the typed copies: what the GX suite reads."""
        frame = pd.DataFrame(self.trimmed).replace("", None)
        for name, series in self.typed.items():
            frame[name] = series
        return frame


def open_records(path: Path, content_bytes: int) -> pa.BufferReader:
    """The file up to the end of its last record (empty lines after it left out), memory-mapped."""
    with pa.memory_map(str(path)) as mapped:
        return pa.BufferReader(mapped.read_buffer(content_bytes))


def iter_chunks(
    path: Path, content_bytes: int, header: list[str], chunk_rows: int, on_ragged: Callable[[RaggedRow], None]
) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first landing_row, chunk of up to `chunk_rows` rows as strings, empty field = "").

    pyarrow's single-threaded reader numbers every record, so ragged rows (too few or too many fields) are
    reported with their row; they are skipped here and reject the delivery (the caller decides).
    """

    def handle_invalid(row: pacsv.InvalidRow) -> str:
        on_ragged(RaggedRow(int(row.number or 0) - 1, row.expected_columns, row.actual_columns))
        return "skip"

    reader = pacsv.open_csv(
        open_records(path, content_bytes),
        read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(
            newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=handle_invalid
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    next_row = 1
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in reader:
        pending.append(batch)
        pending_rows += batch.num_rows
        while pending_rows >= chunk_rows:
            table = pa.Table.from_batches(pending)
            yield next_row, table.slice(0, chunk_rows).to_pandas()
            next_row += chunk_rows
            rest = table.slice(chunk_rows)
            pending, pending_rows = rest.to_batches(), rest.num_rows
    if pending_rows:
        yield next_row, pa.Table.from_batches(pending).to_pandas()


def blank_rows(chunk: pd.DataFrame, first_row: int) -> list[int]:
    """Rows where every field is empty: blank lines, which would shift row numbers between tools."""
    empty = (chunk == "").all(axis=1).to_numpy()
    return [first_row + int(i) for i in np.flatnonzero(empty)]


def _failures(rows: np.ndarray, column: str, reason: str, values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "landing_row": rows.astype("int64"),
            "field": column,
            "reason": reason,
            "value": [neutralize(str(v)) for v in values],
        }
    )


@dataclass
class Tally:
    """What one expectation of the suite found, summed over the chunks: the gate's checks are its engine."""

    unexpected: int = 0
    values: list[str] = field(default_factory=list)

    def add(self, values: np.ndarray) -> None:
        self.unexpected += len(values)
        for value in values[: TALLY_VALUES - len(self.values)]:
            self.values.append(neutralize(str(value)))


class ChunkChecker:
    """Runs one file's row checks on one chunk; collects quarantine rows, warnings, and per expectation of the
    suite (expectations.suite_specs, keyed by expectations.spec_key) what it found."""

    def __init__(self, plan: FilePlan, warnings: Warnings) -> None:
        self.plan = plan
        self.warnings = warnings
        self.tallies: dict[tuple[str, str], Tally] = {}

    def check(self, chunk: pd.DataFrame, first_row: int) -> ChunkResult:
        self.first_row = first_row
        self.found: list[pd.DataFrame] = []
        # staging trims before it types (macros/landing_base.sql): so do the checks and the expectations
        trimmed = {name: chunk[name].str.strip() for name in self.plan.expected_header}
        typed: dict[str, pd.Series] = {}
        for column_plan in self.plan.columns:
            parsed = self._check_column(trimmed[column_plan.name], column_plan)
            if parsed is not None:
                typed[parsed_name(column_plan.name)] = parsed
        for pair in self.plan.ordering:
            self._check_order(trimmed, typed, pair.start.name, pair.end.name, pair.reason)
        failures = pd.concat(self.found, ignore_index=True) if self.found else _empty_failures()
        return ChunkResult(failures=failures, trimmed=trimmed, typed=typed)

    def staged_table(self, checked: ChunkResult, schema: pa.Schema) -> pa.Table:
        """The chunk typed per the contract, as staging reads it: the one place landing values are typed."""
        rows = len(next(iter(checked.trimmed.values())))
        arrays = [pa.array(np.arange(self.first_row, self.first_row + rows, dtype="int64"))]
        system = self.plan.system
        for column_plan in self.plan.columns:
            name, kind = column_plan.name, column_plan.column.type
            text = checked.trimmed[name]
            if kind == "flag":
                upper = text.str.upper()
                flags = pd.Series(np.where(upper == system.flag_true.upper(), True, None), dtype="object")
                flags[(upper == system.flag_false.upper()).to_numpy()] = False
                arrays.append(pa.array(flags, type=pa.bool_(), from_pandas=True))
            elif kind in ("integer", "date", "timestamp"):
                values = pa.array(checked.typed[parsed_name(name)], from_pandas=True)
                arrays.append(values.cast(staged_type(kind), safe=kind == "integer"))
            else:
                values = pa.array(text, type=pa.string(), from_pandas=True)
                arrays.append(pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values))
        return pa.Table.from_arrays(arrays, schema=schema)

    def _flag(
        self, mask: pd.Series | np.ndarray, series: pd.Series, reason: str, expectation: tuple[str, str] | None
    ) -> None:
        """Quarantine the rows of `mask` for `reason`; count them against the suite's `expectation`."""
        index = np.flatnonzero(np.asarray(mask, dtype=bool))
        if len(index):
            rows = self.first_row + index
            values = series.iloc[index].to_numpy()
            self.found.append(_failures(rows, str(series.name), reason, values))
            if expectation is not None:
                self.tallies.setdefault(expectation, Tally()).add(values)

    def _check_column(self, series: pd.Series, plan: ColumnPlan) -> pd.Series | None:
        column = plan.column
        present = (series != "").to_numpy()
        too_long = (series.str.len() > self.plan.settings.max_field_chars).to_numpy()
        self._flag(
            too_long,
            series,
            f"value too long (over {self.plan.settings.max_field_chars} characters)",
            ("expect_column_value_lengths_to_be_between", column.name),
        )
        usable = present & ~too_long
        if column.required:
            self._flag(~present, series, REASON_REQUIRED, ("expect_column_values_to_not_be_null", column.name))
        if column.type == "integer":
            return self._check_integer(series, plan, usable)
        if plan.is_temporal:
            return self._check_date(series, plan, usable)
        if plan.allowed_values is not None:
            unknown = usable & ~series.isin(plan.allowed_values).to_numpy()
            if column.type == "flag":  # staging cannot type it: quarantine
                reason = f"not a flag value (expected {' or '.join(plan.allowed_values)})"
                self._flag(unknown, series, reason, (IN_SET, column.name))
            elif unknown.any():
                index = np.flatnonzero(unknown)
                what = f"code not in code set {column.code_set}"
                values = series.iloc[index].to_numpy()
                self.warnings.add(column.name, what, self.first_row + index, values)
                self.tallies.setdefault((IN_SET, column.name), Tally()).add(values)
        if column.type == "string":
            formula = usable & series.str.match(FORMULA_PREFIX).to_numpy(dtype=bool)
            candidates = np.flatnonzero(formula)  # few: the full pattern (a look-ahead, slow) only on them
            formula[candidates] = series.iloc[candidates].str.match(FORMULA_PATTERN).to_numpy(dtype=bool)
            self._flag(formula, series, REASON_FORMULA, ("expect_column_values_to_not_match_regex", column.name))
        return None

    def _check_integer(self, series: pd.Series, plan: ColumnPlan, usable: np.ndarray) -> pd.Series:
        name = plan.name
        is_integer = series.str.fullmatch(INTEGER_PATTERN).to_numpy(dtype=bool)
        self._flag(usable & ~is_integer, series, REASON_NOT_INTEGER, ("expect_column_values_to_match_regex", name))
        numbers = pd.to_numeric(series.where(usable & is_integer), errors="coerce")
        too_big = (numbers.abs() > INT32_MAX).to_numpy(dtype=bool)  # staged as a 32-bit integer
        self._flag(too_big, series, REASON_NOT_INTEGER, None)  # a rule of staging's type, not of the suite
        numbers = numbers.where(~too_big)
        if plan.column.range is not None:
            low, high = plan.column.range
            outside = ((numbers < low) | (numbers > high)).to_numpy(dtype=bool)
            self._flag(outside, series, f"out of range [{low}, {high}]", (BETWEEN, parsed_name(name)))
        return numbers

    def _check_date(self, series: pd.Series, plan: ColumnPlan, usable: np.ndarray) -> pd.Series:
        typed = parsed_name(plan.name)
        fmt = plan.parse_format or ""
        parsed = pd.to_datetime(series.where(usable), format=fmt, errors="coerce")
        kind = "timestamp" if plan.column.type == "timestamp" else "date"
        reason = f"unparseable {kind} (expected format {fmt})"
        self._flag(usable & parsed.isna().to_numpy(), series, reason, ("expect_column_values_to_not_be_null", typed))
        bounds = plan.date_bounds
        if bounds is not None:
            early = (parsed < pd.Timestamp(bounds.earliest)).to_numpy(dtype=bool)
            self._flag(early, series, bounds.reason_early, (BETWEEN, typed))
            latest = pd.Timestamp(bounds.latest) + pd.Timedelta(days=1)  # the whole last day
            self._flag((parsed >= latest).to_numpy(dtype=bool), series, bounds.reason_late, (BETWEEN, typed))
        return parsed

    def _check_order(
        self, trimmed: dict[str, pd.Series], typed: dict[str, pd.Series], start: str, end: str, reason: str
    ) -> None:
        before = (typed[parsed_name(end)] < typed[parsed_name(start)]).to_numpy(dtype=bool)
        self._flag(before, trimmed[end], reason, ("expect_column_pair_values_a_to_be_greater_than_b", parsed_name(end)))


def _empty_failures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "landing_row": pd.Series(dtype="int64"),
            "field": pd.Series(dtype="str"),
            "reason": pd.Series(dtype="str"),
            "value": pd.Series(dtype="str"),
        }
    )


@dataclass
class KeyTracker:
    """Primary keys of every row seen (trimmed, as compact Arrow strings), to find duplicates across chunks exactly
    without reading the file again."""

    keys: list[pa.Array] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)

    def add(self, keys: pd.Series, first_row: int) -> None:
        keys = keys.str.strip()
        index = np.flatnonzero((keys != "").to_numpy())
        self.keys.append(pa.array(keys.iloc[index], type=pa.string()))
        self.rows.append(first_row + index)


def duplicate_key_failures(plan: FilePlan, tracker: KeyTracker, unsound_rows: np.ndarray) -> pd.DataFrame:
    """Exact duplicate primary keys among the rows with no other failure (all but the first occurrence)."""
    if not tracker.keys:
        return _empty_failures()
    rows = np.concatenate(tracker.rows)
    unsound = np.zeros(int(rows.max(initial=0)) + 1, dtype=bool)  # by landing_row: linear, no sort
    unsound[unsound_rows[unsound_rows < len(unsound)].astype("int64")] = True
    sound = ~unsound[rows]
    keys = pa.chunked_array(tracker.keys, type=pa.string()).filter(pa.array(sound))
    rows = rows[sound]
    counts = pa.table({"key": keys}).group_by("key").aggregate([("key", "count")])
    repeated = counts.filter(pc.greater(counts["key_count"], 1))["key"]
    if not len(repeated):
        return _empty_failures()
    suspects = np.flatnonzero(pc.is_in(keys, value_set=repeated.combine_chunks()).to_numpy(zero_copy_only=False))
    found = pd.DataFrame({"landing_row": rows[suspects], "value": keys.take(pa.array(suspects)).to_pylist()})
    duplicated = found[found["value"].duplicated(keep="first")]
    return _failures(
        duplicated["landing_row"].to_numpy(), plan.primary_key, REASON_DUPLICATE_KEY, duplicated["value"].to_numpy()
    )
