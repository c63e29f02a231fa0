"""The data-quality gate: validate every extract of a delivery before it is loaded (R-EX-2).

structural pass (every file)  -> any problem: the delivery is rejected, nothing is loaded (exit 3)
row pass (chunk by chunk)     -> quarantine rows with reasons, warnings, GX expectation results, and every record
                                 typed as staging reads it: landing/<system>/<file>.parquet (accepted deliveries only)
whole-file checks             -> duplicate primary keys, volume against the previous delivery
outputs (crosstrack.quality.outputs)
                              -> quarantine.parquet (always), manifest.json, report.json, report_restricted.html
                                 (restricted: person-level values), report_public.html (no value from the delivery)
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crosstrack.contract import LandingFile, load_contract
from crosstrack.progress import Progress
from crosstrack.quality.expectations import (
    GATE,
    GX,
    ExpectationResult,
    SuiteRunner,
    spec_key,
    suite_specs,
    volume_spec,
)
from crosstrack.quality.rows import (
    PARSED_PREFIX,
    REASON_DUPLICATE_KEY,
    ChunkChecker,
    KeyTracker,
    RaggedRow,
    Tally,
    Warnings,
    blank_rows,
    duplicate_key_failures,
    iter_chunks,
    staged_schema,
)
from crosstrack.quality.rules import FilePlan, GateSettings, plan_for
from crosstrack.quality.structure import TRUNCATED, UNBALANCED_QUOTES, FileFacts, StructuralProblem, inspect_file

RULES = ("R-EX-2",)  # the rules of docs/rules.md this module implements

EXIT_ACCEPTED = 0
EXIT_REJECTED = 3
MAX_RAGGED_LISTED = 10
WHOLE_FILE = ("expect_table_row_count_to_be_between", "expect_column_values_to_be_unique")
STAGED_DIR = "landing"  # <out>/landing/<system>/<file stem>.parquet: what dbt's sources read

QUARANTINE_SCHEMA = pa.schema(
    [
        ("source_system", pa.string()),
        ("file_name", pa.string()),
        ("landing_row", pa.int64()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("value", pa.string()),
    ]
)


@dataclass(frozen=True)
class GateOptions:
    landing_dir: Path
    out_dir: Path
    settings: GateSettings
    previous_manifest: Path | None = None
    chunk_rows: int = 250_000
    use_gx: bool = False  # also run the suite in Great Expectations (an audit of the gate's own engine; slow)
    gx_max_rows: int | None = None  # GX validates at most this many rows per file; the gate checks them all


@dataclass
class FileOutcome:
    plan: FilePlan
    facts: FileFacts
    rows: int = 0
    failures: pd.DataFrame | None = None
    warnings: Warnings = field(default_factory=Warnings)
    expectations: list[ExpectationResult] = field(default_factory=list)
    gx_rows: int = 0
    seconds: float = 0.0
    volume_warning: str | None = None

    @property
    def landing_file(self) -> LandingFile:
        return self.plan.landing_file

    @property
    def quarantined_rows(self) -> int:
        return 0 if self.failures is None else int(self.failures["landing_row"].nunique())


@dataclass
class GateResult:
    options: GateOptions
    files: list[FileOutcome]
    problems: list[StructuralProblem]
    gx_version: str | None = None
    seconds: float = 0.0
    unexpected_files: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        return EXIT_ACCEPTED if self.accepted else EXIT_REJECTED


def staged_path(staged_dir: Path, landing_file: LandingFile) -> Path:
    """Where the gate writes one file's typed records: `<out>/landing/<system>/<stem>.parquet` (a dbt source)."""
    return staged_dir / landing_file.staged_relative_path


def run_gate(options: GateOptions, progress: Progress | None = None) -> GateResult:
    """Check a delivery; if it is accepted, its typed records are in `<out_dir>/landing` (else that is removed).
    `progress` (not yet entered) shows rows and files done; its total comes from the byte pass's line count."""
    started = time.monotonic()
    progress = progress or Progress("gate", unit="rows", enabled=False)
    contract = load_contract()
    plans = [plan_for(f, contract.system(f.system), options.settings) for f in contract.files]
    outcomes = [FileOutcome(plan=p, facts=inspect_file(options.landing_dir, p.landing_file)) for p in plans]
    problems = [p for o in outcomes for p in o.facts.problems]
    result = GateResult(options=options, files=outcomes, problems=problems)
    result.unexpected_files = _unexpected_files(options.landing_dir, {f.relative_path for f in contract.files})
    staged = options.out_dir / STAGED_DIR
    partial = options.out_dir / f"{STAGED_DIR}.partial"
    for folder in (staged, partial):
        shutil.rmtree(folder, ignore_errors=True)  # an earlier delivery's records must never be read for this one
    if problems:  # structural: stop before reading any row
        result.seconds = time.monotonic() - started
        return result
    runner = SuiteRunner() if options.use_gx else None
    result.gx_version = runner.version if runner else None
    with progress:
        progress.set_total(max(sum(o.facts.estimated_rows for o in outcomes), 1))
        progress.set_detail(f"0/{len(outcomes)} files")
        for done, outcome in enumerate(outcomes, start=1):
            file_started = time.monotonic()
            result.problems.extend(_row_pass(outcome, options, runner, partial, progress))
            outcome.seconds = time.monotonic() - file_started
            note = f"{outcome.facts.relative_path} done, {outcome.rows:,} rows"
            progress.set_detail(f"{done}/{len(outcomes)} files", note=note)
    if result.accepted:
        _check_volumes(outcomes, _previous_rows(options.previous_manifest), options.settings)
        partial.rename(staged)
    else:
        shutil.rmtree(partial, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def _unexpected_files(landing_dir: Path, expected: set[str]) -> list[str]:
    """Files in a system's folder that the contract does not name: ignored, listed in the report."""
    systems = {name.partition("/")[0] for name in expected}
    found = {
        p.relative_to(landing_dir).as_posix()
        for system in systems
        for p in (landing_dir / system).glob("*")
        if p.is_file()
    }
    return sorted(found - expected)


def _row_pass(
    outcome: FileOutcome, options: GateOptions, runner: SuiteRunner | None, staged_dir: Path, progress: Progress
) -> list[StructuralProblem]:
    """Read one file chunk by chunk: ragged rows and blank lines reject; other failures quarantine or warn; every
    record is written typed to `staged_dir`."""
    plan, facts = outcome.plan, outcome.facts
    specs = suite_specs(plan)
    if runner is None:  # the gate's checks are the suite's engine; Great Expectations only when asked (--gx)
        for spec in specs:
            spec.evaluated_by = GATE
    outcome.expectations = [ExpectationResult(spec=s) for s in specs]
    if runner is not None:
        runner.prepare(facts.relative_path, specs)
    ragged: list[RaggedRow] = []
    blanks: list[int] = []
    checker = ChunkChecker(plan, outcome.warnings)
    keys = KeyTracker()
    found: list[pd.DataFrame] = []
    last_row = 0
    target = staged_path(staged_dir, plan.landing_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    schema = staged_schema(plan)
    chunks = iter_chunks(facts.path, facts.content_bytes, facts.header, options.chunk_rows, ragged.append)
    with pq.ParquetWriter(target, schema) as writer:
        for first_row, chunk in chunks:
            last_row = first_row + len(chunk) - 1
            progress.advance(len(chunk))
            if ragged or blanks:
                continue  # the delivery is rejected: only look for more structural problems
            blanks.extend(blank_rows(chunk, first_row))
            chunk = chunk[list(plan.expected_header)]
            checked = checker.check(chunk, first_row)
            found.append(checked.failures)
            keys.add(chunk[plan.primary_key], first_row)
            writer.write_table(checker.staged_table(checked, schema))
            if runner is not None and (options.gx_max_rows is None or outcome.gx_rows < options.gx_max_rows):
                frame = checked.frame_for_expectations
                if options.gx_max_rows is not None:
                    frame = frame.iloc[: options.gx_max_rows - outcome.gx_rows]
                _add_gx_results(outcome, runner.validate(facts.relative_path, frame))
                outcome.gx_rows += len(frame)
    outcome.rows = last_row + len(ragged)
    problems = (
        _truncation_problems(outcome, ragged)
        + _ragged_problems(facts.relative_path, ragged)
        + [StructuralProblem(facts.relative_path, "blank line (a record with no fields)", row) for row in blanks[:10]]
    )
    if outcome.rows == 0 and not problems:
        problems.append(StructuralProblem(facts.relative_path, "empty file: a header but no data rows"))
    if problems:
        return problems
    failures = pd.concat(found, ignore_index=True)
    unsound = failures["landing_row"].unique()
    failures = pd.concat([failures, duplicate_key_failures(plan, keys, unsound)], ignore_index=True)
    failures = failures.drop_duplicates(["landing_row", "field"], keep="first")
    outcome.failures = failures.sort_values(["landing_row", "field"], kind="stable").reset_index(drop=True)
    _gate_evaluated(outcome, checker.tallies)
    return []


def _truncation_problems(outcome: FileOutcome, ragged: list[RaggedRow]) -> list[StructuralProblem]:
    """A file whose last record has no line end and too few fields: cut short (the ragged row names the row).
    A complete last record without a line break is accepted (RFC 4180)."""
    facts = outcome.facts
    cut = bool(ragged) and ragged[-1].landing_row == outcome.rows and ragged[-1].actual < ragged[-1].expected
    problems = []
    if facts.exists and facts.bytes and not facts.ends_with_newline and cut:
        problems.append(StructuralProblem(facts.relative_path, TRUNCATED))
    if facts.unbalanced_quotes:  # the last record's last field swallowed the rest of the file
        field = facts.header[-1] if facts.header else "?"
        problems.append(StructuralProblem(facts.relative_path, UNBALANCED_QUOTES.format(field=field), outcome.rows))
    return problems


def _ragged_problems(relative_path: str, ragged: list[RaggedRow]) -> list[StructuralProblem]:
    problems = [
        StructuralProblem(
            relative_path,
            f"ragged row: {r.actual} field(s) where the header has {r.expected}"
            + (" (truncated file?)" if r.actual < r.expected else ""),
            r.landing_row,
        )
        for r in ragged[:MAX_RAGGED_LISTED]
    ]
    if len(ragged) > MAX_RAGGED_LISTED:
        problems.append(StructuralProblem(relative_path, f"{len(ragged) - MAX_RAGGED_LISTED} more ragged rows"))
    return problems


def _add_gx_results(outcome: FileOutcome, results: dict[tuple[str, str], tuple[dict, bool, str | None]]) -> None:
    for expectation in outcome.expectations:
        if expectation.spec.evaluated_by != GX:
            continue
        found = results.get(spec_key(expectation.spec.type, expectation.spec.kwargs))
        if found is None:
            continue
        result, success, error = found
        expectation.add(result, success)
        if error and not expectation.error:
            expectation.error = error
            expectation.success = False


def _gate_evaluated(outcome: FileOutcome, tallies: dict[tuple[str, str], Tally]) -> None:
    """Fill the expectations the gate evaluates itself: the whole-file ones (row count, unique key) and, when
    Great Expectations did not run, every other one from what the row checks found (`rows.Tally`); show the raw
    values behind a failed date parse (GX only sees the typed copy, where they are all NaT)."""
    failures = outcome.failures if outcome.failures is not None else _no_failures()
    for expectation in outcome.expectations:
        spec = expectation.spec
        if spec.evaluated_by == GATE and spec.type not in WHOLE_FILE:
            tally = tallies.get(spec_key(spec.type, spec.kwargs), Tally())
            expectation.element_count = outcome.rows
            expectation.unexpected_count = tally.unexpected
            expectation.partial_unexpected = list(tally.values)
            expectation.success = tally.unexpected == 0
        elif spec.type == "expect_table_row_count_to_be_between" and spec.evaluated_by == GATE:
            expectation.element_count = outcome.rows
            expectation.success = outcome.rows >= 1
            expectation.note = f"{outcome.rows} rows"
        elif spec.type == "expect_column_values_to_be_unique" and spec.evaluated_by == GATE:
            dups = failures[failures["reason"] == REASON_DUPLICATE_KEY]
            expectation.element_count = outcome.rows
            expectation.unexpected_count = len(dups)
            expectation.success = dups.empty
            expectation.partial_unexpected = [str(v) for v in dups["value"].head(10)]
        elif str(spec.kwargs.get("column", "")).startswith(PARSED_PREFIX) and "row_condition" in spec.kwargs:
            column = str(spec.kwargs["column"]).removeprefix(PARSED_PREFIX)
            bad = failures[(failures["field"] == column) & failures["reason"].str.startswith("unparseable")]
            expectation.partial_unexpected = [str(v) for v in bad["value"].head(10)]


def _no_failures() -> pd.DataFrame:
    return pd.DataFrame({"field": pd.Series(dtype="str"), "reason": pd.Series(dtype="str"), "value": []})


def _previous_rows(previous: Path | None) -> dict[str, int] | None:
    if previous is None:
        return None
    path = previous / "manifest.json" if previous.is_dir() else previous
    manifest = json.loads(path.read_text(encoding="utf-8"))
    return {name: int(entry["rows"]) for name, entry in manifest.get("files", {}).items()}


def _check_volumes(outcomes: list[FileOutcome], previous: dict[str, int] | None, settings: GateSettings) -> None:
    """Row count within a factor `volume_ratio` of the previous delivery's: a warning otherwise."""
    for outcome in outcomes:
        before = None if previous is None else previous.get(outcome.facts.relative_path)
        low = None if before is None else int(before / settings.volume_ratio)
        high = None if before is None else int(before * settings.volume_ratio)
        result = ExpectationResult(spec=volume_spec(low, high), element_count=outcome.rows)
        if before is None:
            result.note = "no previous manifest entry: not checked"
        else:
            result.success = low <= outcome.rows <= high
            result.note = f"{outcome.rows} rows; previous delivery {before}"
            if not result.success:
                outcome.volume_warning = f"{outcome.rows} rows against {before} in the previous delivery"
        outcome.expectations.append(result)
