"""Reconciliation of one delivery (R-EX-2): every landing row is in staging, quarantined or rejected, by reason.

Per landing file:
    received        rows in the delivery (the gate's manifest.json; else the staging base model's row count)
    quarantined     rows the data-quality gate quarantined (quarantine.parquet), by reason
    rejected        rows the staging layer rejected on its own (`staging.stg_landing__rejects`, rejected_by
                    'staging'), by reason
    staged          rows of `staging.stg_<system>__<entity>`
    excluded        staged rows that reached no mart, by reason (`restricted.landing_reconciliation`)
    in the marts    staged rows that reached a mart (`restricted.landing_reconciliation`)
The delivery balances when received = quarantined + rejected + staged and staged = in the marts + excluded for
every file; otherwise exit 4. A warehouse built without the marts reports the last two "not yet available".

The warehouse is opened read-only (one writer or many readers, never both).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from crosstrack.contract import LandingFile, load_contract

RULES = ("R-EX-2",)  # the rules of docs/rules.md this module implements

EXIT_BALANCED = 0
EXIT_UNBALANCED = 4
NOT_YET = "not yet available"
REJECTS_RELATION = "staging.stg_landing__rejects"
MARTS_RELATION = ("restricted", "landing_reconciliation")
GATE_REJECTER = "quality_gate"


@dataclass
class FileReconciliation:
    file: str
    received: int | None
    quarantined: int
    rejected: int
    staged: int | None
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    excluded_by_reason: dict[str, int] | None = None
    in_marts: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def excluded(self) -> int | None:
        return None if self.excluded_by_reason is None else sum(self.excluded_by_reason.values())

    @property
    def balanced(self) -> bool:
        if self.received is None or self.staged is None:
            return False
        if self.received != self.quarantined + self.rejected + self.staged:
            return False
        return self.in_marts is None or self.staged == self.in_marts + (self.excluded or 0)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


def _normalize_reason(reason: str) -> str:
    """Group reasons that carry a row number ('... (first at landing row 12)') under one reason."""
    return re.sub(r"\(first at landing row \d+\)", "(first occurrence kept)", reason)


def _relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    row = con.execute(query, [schema, name]).fetchone()
    return bool(row and row[0])


def _columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    query = "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
    return [r[0] for r in con.execute(query, [schema, name]).fetchall()]


def _count(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int | None:
    if not _relation_exists(con, schema, name):
        return None
    row = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
    return int(row[0]) if row else 0


def _rows_by_reason(rows: list[tuple[str, int, str]]) -> tuple[dict[str, set[int]], dict[str, dict[str, int]]]:
    """From (file, landing_row, reason): the set of rows per file and the rows per reason per file."""
    per_file: dict[str, set[int]] = {}
    per_reason: dict[str, dict[str, set[int]]] = {}
    for file, row, reason in rows:
        per_file.setdefault(file, set()).add(int(row))
        per_reason.setdefault(file, {}).setdefault(_normalize_reason(str(reason)), set()).add(int(row))
    counts = {f: {r: len(s) for r, s in sorted(reasons.items())} for f, reasons in per_reason.items()}
    return per_file, counts


def _quarantine_rows(con: duckdb.DuckDBPyConnection, quarantine_file: Path | None) -> list[tuple[str, int, str]]:
    if quarantine_file is not None and quarantine_file.is_file():
        query = "select source_system || '/' || file_name, landing_row, reason from read_parquet(?)"
        return con.execute(query, [str(quarantine_file)]).fetchall()
    return []


def _staging_reject_rows(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """(rejected by staging, quarantined as staging saw it) rows from the rejects model."""
    if not _relation_exists(con, "staging", "stg_landing__rejects"):
        return [], []
    columns = _columns(con, "staging", "stg_landing__rejects")
    reason = "reason" if "reason" in columns else "reject_reason"
    query = f"select source_system || '/' || file_name, landing_row, {reason}, rejected_by from {REJECTS_RELATION}"
    rows = con.execute(query).fetchall()
    staging = [(f, r, why) for f, r, why, by in rows if by != GATE_REJECTER]
    gate = [(f, r, why) for f, r, why, by in rows if by == GATE_REJECTER]
    return staging, gate


def _mart_dispositions(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, dict[str, int]]]:
    """Per `<system>/<file>`: staged rows in the marts, and excluded rows by reason."""
    if not _relation_exists(con, *MARTS_RELATION):
        return {}
    rows = con.execute(
        "select source_system || '/' || file_name, disposition, reason, sum(row_count) "
        f"from {'.'.join(MARTS_RELATION)} where disposition in ('in_marts', 'excluded') group by all"
    ).fetchall()
    result: dict[str, tuple[int, dict[str, int]]] = {}
    for name, disposition, reason, count in rows:
        in_marts, excluded = result.get(name, (0, {}))
        if disposition == "in_marts":
            in_marts += int(count)
        else:
            excluded[reason] = excluded.get(reason, 0) + int(count)
        result[name] = (in_marts, excluded)
    return result


def _received(manifest_file: Path | None) -> dict[str, int]:
    if manifest_file is None or not manifest_file.is_file():
        return {}
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    return {name: int(entry["rows"]) for name, entry in manifest.get("files", {}).items()}


def reconcile(database: Path, gate_dir: Path | None = None) -> list[FileReconciliation]:
    """Reconcile a built warehouse with the delivery the gate saw (gate_dir: its quarantine and manifest)."""
    quarantine_file = gate_dir / "quarantine.parquet" if gate_dir else None
    manifest_file = gate_dir / "manifest.json" if gate_dir else None
    received = _received(manifest_file)
    with duckdb.connect(str(database), read_only=True) as con:
        gate_rows = _quarantine_rows(con, quarantine_file)
        staging_rows, gate_rows_in_staging = _staging_reject_rows(con)
        if not gate_rows:
            gate_rows = gate_rows_in_staging
        quarantined, quarantined_reasons = _rows_by_reason(gate_rows)
        staging_only = [(f, r, why) for f, r, why in staging_rows if r not in quarantined.get(f, set())]
        rejected, rejected_reasons = _rows_by_reason(staging_only)
        applied, _ = _rows_by_reason(gate_rows_in_staging)
        marts = _mart_dispositions(con)
        results = [
            _file_reconciliation(
                con, lf, received, quarantined, quarantined_reasons, rejected, rejected_reasons, applied
            )
            for lf in load_contract().files
        ]
    for result in results:
        if marts:
            result.in_marts, result.excluded_by_reason = marts.get(result.file, (0, {}))
    return results


def _file_reconciliation(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    received: dict[str, int],
    quarantined: dict[str, set[int]],
    quarantined_reasons: dict[str, dict[str, int]],
    rejected: dict[str, set[int]],
    rejected_reasons: dict[str, dict[str, int]],
    applied: dict[str, set[int]],
) -> FileReconciliation:
    name = landing_file.relative_path
    staged = _count(con, "staging", landing_file.staging_model)
    result = FileReconciliation(
        file=name,
        received=received.get(name),
        quarantined=len(quarantined.get(name, set())),
        rejected=len(rejected.get(name, set())),
        staged=staged,
        quarantined_by_reason=quarantined_reasons.get(name, {}),
        rejected_by_reason=rejected_reasons.get(name, {}),
    )
    if result.received is None:
        result.received = _count(con, "staging", landing_file.base_model)
        result.notes.append("received counted from the staging base model (no gate manifest)")
    if staged is None:
        result.notes.append(f"staging.{landing_file.staging_model} not found in the warehouse")
    if applied and applied.get(name, set()) != quarantined.get(name, set()):
        result.notes.append("staging did not exclude exactly the quarantined rows (CROSSTRACK_QUARANTINE_FILE?)")
    return result


HEADER = ["file", "received", "quarantined", "rejected", "staged", "balanced", "excluded_by_reason", "in_marts"]


def format_table(results: list[FileReconciliation]) -> str:
    rows = [HEADER] + [
        [
            r.file,
            str(r.received),
            str(r.quarantined),
            str(r.rejected),
            str(r.staged),
            "yes" if r.balanced else "NO",
            NOT_YET if r.excluded is None else str(r.excluded),
            NOT_YET if r.in_marts is None else str(r.in_marts),
        ]
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    for r in results:
        kinds = (
            ("quarantined", r.quarantined_by_reason),
            ("rejected", r.rejected_by_reason),
            ("excluded", r.excluded_by_reason or {}),
        )
        for kind, reasons in kinds:
            lines.extend(f"    {r.file} {kind}: {count} {reason}" for reason, count in reasons.items())
        lines.extend(f"    {r.file} note: {note}" for note in r.notes)
    return "\n".join(lines)


def write_reconciliation(results: list[FileReconciliation], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"balanced": all(r.balanced for r in results), "files": [r.as_dict() for r in results]}
    (out_dir / "reconciliation.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    with (out_dir / "reconciliation.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for r in results:
            writer.writerow(
                [
                    r.file,
                    r.received,
                    r.quarantined,
                    r.rejected,
                    r.staged,
                    r.balanced,
                    NOT_YET if r.excluded is None else r.excluded,
                    NOT_YET if r.in_marts is None else r.in_marts,
                ]
            )


def run_reconciliation(database: Path, gate_dir: Path) -> int:
    """`crosstrack validate --reconcile DB --out DIR`: print and write DIR/reconciliation.{json,csv}.

    Exit 4 when any file does not balance.
    """
    if not database.is_file():
        from crosstrack.cli import CliError

        raise CliError(f"--reconcile {database}: no such warehouse file")
    results = reconcile(database, gate_dir)
    write_reconciliation(results, gate_dir)
    print(format_table(results))
    unbalanced = [r.file for r in results if not r.balanced]
    if unbalanced:
        print(
            f"reconciliation does NOT balance for {len(unbalanced)} file(s): {', '.join(unbalanced)}", file=sys.stderr
        )
        return EXIT_UNBALANCED
    print("reconciliation balances: every received row is staged, quarantined or rejected")
    return EXIT_BALANCED
