"""Reconciliation of one delivery (R-EX-2): every landing row is in the marts, excluded, quarantined or rejected.

The accounting has one definition, the mart `restricted.landing_reconciliation` (one row per file, disposition
and reason); this report reads it and sets it beside what the gate saw. Per landing file:
    received        rows in the delivery (the gate's manifest.json; else the staging base model's row count)
    quarantined     rows the data-quality gate quarantined, by reason (the mart's rows rejected by quality_gate)
    rejected        rows the staging layer rejected on its own, by reason (the mart's other rejected rows)
    staged          rows in the marts plus rows excluded
    excluded        staged rows that reached no mart, by reason
    in the marts    staged rows that reached a mart
The delivery balances when received = quarantined + rejected + staged for every file; otherwise exit 4. A
warehouse built without the mart (a partial build) has nothing to report: every file is "not yet available".
A note says when the rows the mart counts as quarantined are not those of the gate's quarantine.parquet.

The warehouse is opened read-only (one writer or many readers, never both).
"""

from __future__ import annotations

import csv
import json
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
MARTS_RELATION = ("restricted", "landing_reconciliation")
GATE_REJECTER = "quality_gate"


@dataclass
class FileReconciliation:
    file: str
    received: int | None
    quarantined: int | None = None
    rejected: int | None = None
    staged: int | None = None
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
        counts = (self.received, self.quarantined, self.rejected, self.staged)
        if any(count is None for count in counts):
            return False
        return self.received == self.quarantined + self.rejected + self.staged  # type: ignore[operator]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


def _relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    row = con.execute(query, [schema, name]).fetchone()
    return bool(row and row[0])


def _count(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int | None:
    if not _relation_exists(con, schema, name):
        return None
    row = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
    return int(row[0]) if row else 0


def _received(manifest_file: Path | None) -> dict[str, int]:
    if manifest_file is None or not manifest_file.is_file():
        return {}
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    return {name: int(entry["rows"]) for name, entry in manifest.get("files", {}).items()}


def _gate_quarantined(con: duckdb.DuckDBPyConnection, quarantine_file: Path | None) -> dict[str, int] | None:
    """Rows per `<system>/<file>` in the gate's own quarantine; None without one."""
    if quarantine_file is None or not quarantine_file.is_file():
        return None
    query = "select source_system || '/' || file_name, count(distinct landing_row) from read_parquet(?) group by all"
    return {name: int(count) for name, count in con.execute(query, [str(quarantine_file)]).fetchall()}


def _mart_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int]] | None:
    """The mart's rows, (`<system>/<file>`, disposition, reason, rows); None when the mart was not built."""
    if not _relation_exists(con, *MARTS_RELATION):
        return None
    return con.execute(
        "select source_system || '/' || file_name, disposition, reason, row_count "
        f"from {'.'.join(MARTS_RELATION)} order by 1, 2, 3"
    ).fetchall()


def _from_mart(result: FileReconciliation, rows: list[tuple[str, str, str, int]]) -> None:
    """The file's counts from its rows of the mart; a rejected row's reason is `<rejected_by>: <reason>`."""
    result.quarantined = result.rejected = result.in_marts = 0
    result.excluded_by_reason = {}
    for _, disposition, reason, count in rows:
        if disposition == "in_marts":
            result.in_marts += int(count)
        elif disposition == "excluded":
            result.excluded_by_reason[reason] = result.excluded_by_reason.get(reason, 0) + int(count)
        else:
            rejected_by, _, why = reason.partition(": ")
            if rejected_by == GATE_REJECTER:
                result.quarantined += int(count)
                result.quarantined_by_reason[why] = result.quarantined_by_reason.get(why, 0) + int(count)
            else:
                result.rejected += int(count)
                result.rejected_by_reason[why] = result.rejected_by_reason.get(why, 0) + int(count)
    result.staged = result.in_marts + (result.excluded or 0)


def reconcile(database: Path, gate_dir: Path | None = None) -> list[FileReconciliation]:
    """Reconcile a built warehouse with the delivery the gate saw (gate_dir: its quarantine and manifest)."""
    received = _received(gate_dir / "manifest.json" if gate_dir else None)
    with duckdb.connect(str(database), read_only=True) as con:
        mart = _mart_rows(con)
        gate_quarantined = _gate_quarantined(con, gate_dir / "quarantine.parquet" if gate_dir else None)
        results = [_file_reconciliation(con, lf, received) for lf in load_contract().files]
    for result in results:
        if mart is None:
            result.notes.append(f"{'.'.join(MARTS_RELATION)} not found in the warehouse")
            continue
        _from_mart(result, [row for row in mart if row[0] == result.file])
        if gate_quarantined is not None and gate_quarantined.get(result.file, 0) != result.quarantined:
            result.notes.append("staging did not exclude exactly the quarantined rows (CROSSTRACK_QUARANTINE_FILE?)")
    return results


def _file_reconciliation(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, received: dict[str, int]
) -> FileReconciliation:
    result = FileReconciliation(file=landing_file.relative_path, received=received.get(landing_file.relative_path))
    if result.received is None:
        result.received = _count(con, "staging", landing_file.base_model)
        result.notes.append("received counted from the staging base model (no gate manifest)")
    return result


HEADER = ["file", "received", "quarantined", "rejected", "staged", "balanced", "excluded_by_reason", "in_marts"]


def format_table(results: list[FileReconciliation]) -> str:
    rows = [HEADER] + [
        [
            r.file,
            str(r.received),
            NOT_YET if r.quarantined is None else str(r.quarantined),
            NOT_YET if r.rejected is None else str(r.rejected),
            NOT_YET if r.staged is None else str(r.staged),
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
                    NOT_YET if r.quarantined is None else r.quarantined,
                    NOT_YET if r.rejected is None else r.rejected,
                    NOT_YET if r.staged is None else r.staged,
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
