"""What the gate leaves behind, and the one call that gates a delivery (`gate_delivery`).

quarantine.parquet (always, even empty), report.json, report_restricted.html, report_public.html, manifest.json
(accepted deliveries only, with the extract date the gate checked against); the typed records under landing/ are
written by the row pass itself (crosstrack.quality.gate). Only the public report is free of the delivery's values
(crosstrack.quality.report).

The manifest travels with the warehouse: the build copies its files' rows and sha256 into the table
MANIFEST_TABLE of the warehouse it builds (`record_manifest`), which publication reads (`recorded_manifest`) to
record the delivery's checksums in the release, with or without the delivery at hand.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from crosstrack.contract import load_contract
from crosstrack.progress import Progress
from crosstrack.quality.gate import QUARANTINE_SCHEMA, STAGED_DIR, GateOptions, GateResult, run_gate
from crosstrack.quality.report import (
    JSON_REPORT,
    LEGACY_REPORT,
    PUBLIC_REPORT,
    RESTRICTED,
    RESTRICTED_REPORT,
    html_report,
    json_report,
)
from crosstrack.quality.rows import QUARANTINE_COLUMNS

MANIFEST_FILE = "manifest.json"
MANIFEST_SCHEMA = "delivery"
MANIFEST_TABLE = f"{MANIFEST_SCHEMA}.manifest"  # one row per delivered file: file, rows, bytes, sha256


def gate_delivery(options: GateOptions, progress: Progress | None = None) -> GateResult:
    """Gate one delivery and write every output: what `crosstrack validate` and `crosstrack build` run."""
    result = run_gate(options, progress)
    write_outputs(result)
    return result


def quarantine_table(result: GateResult) -> pa.Table:
    frames = []
    for outcome in result.files:
        if outcome.failures is None or outcome.failures.empty:
            continue
        frame = outcome.failures.copy()
        frame.insert(0, "source_system", outcome.landing_file.system)
        frame.insert(1, "file_name", outcome.landing_file.file_name)
        frames.append(frame[QUARANTINE_COLUMNS])
    if not frames:
        return QUARANTINE_SCHEMA.empty_table()
    table = pd.concat(frames, ignore_index=True)
    return pa.Table.from_pandas(table, schema=QUARANTINE_SCHEMA, preserve_index=False)


def manifest(result: GateResult) -> dict[str, Any]:
    return {
        "contract_version": load_contract().version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "landing_dir": str(result.options.landing_dir),
        "extract_date": result.options.settings.extract_date.isoformat(),
        "staged_dir": STAGED_DIR,
        "files": {
            o.facts.relative_path: {
                "rows": o.rows,
                "bytes": o.facts.bytes,
                "sha256": o.facts.sha256,
                "columns": o.facts.header,
            }
            for o in result.files
        },
    }


def write_outputs(result: GateResult) -> None:
    """quarantine.parquet (always, even empty), report.json, report_restricted.html, report_public.html;
    manifest.json if accepted."""
    out = result.options.out_dir
    out.mkdir(parents=True, exist_ok=True)
    table = quarantine_table(result)
    labelled = {**(table.schema.metadata or {}), b"classification": RESTRICTED.encode()}
    pq.write_table(table.replace_schema_metadata(labelled), out / "quarantine.parquet")
    if result.accepted:
        (out / MANIFEST_FILE).write_text(json.dumps(manifest(result), indent=2) + "\n", encoding="utf-8")
    else:
        (out / MANIFEST_FILE).unlink(missing_ok=True)
    report = json_report(result)
    (out / JSON_REPORT).write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (out / RESTRICTED_REPORT).write_text(html_report(report, restricted=True), encoding="utf-8")
    (out / PUBLIC_REPORT).write_text(html_report(report, restricted=False), encoding="utf-8")
    (out / LEGACY_REPORT).unlink(missing_ok=True)  # an earlier run's single report carried values, unlabelled


def record_manifest(database: Path, gate_dir: Path) -> None:
    """Copy the gate's manifest of the delivery (`<gate_dir>/manifest.json`) into MANIFEST_TABLE of `database`,
    replacing any earlier one. Raises FileNotFoundError when the gate accepted no delivery there."""
    import duckdb

    document = json.loads((gate_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    rows = [
        (name, facts["rows"], facts["bytes"], facts["sha256"], document["extract_date"], document["contract_version"])
        for name, facts in sorted(document["files"].items())
    ]
    with duckdb.connect(str(database)) as con:
        con.execute(f"create schema if not exists {MANIFEST_SCHEMA}")
        con.execute(
            f"create or replace table {MANIFEST_TABLE} (file varchar primary key, rows bigint, bytes bigint, "
            "sha256 varchar, extract_date date, contract_version varchar)"
        )
        con.executemany(f"insert into {MANIFEST_TABLE} values (?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            f"comment on table {MANIFEST_TABLE} is 'The delivery this warehouse was built from, as the data-quality "
            "gate accepted it: each landing file, its data rows and its sha256.'"
        )


def recorded_manifest(database: Path) -> dict[str, dict[str, Any]] | None:
    """{file: {rows, sha256}} of the delivery `database` was built from (MANIFEST_TABLE), or None when the
    warehouse carries no manifest (built before it did, or by dbt alone)."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        (found,) = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = 'manifest'",
            [MANIFEST_SCHEMA],
        ).fetchone()
        if not found:
            return None
        rows = con.execute(f"select file, rows, sha256 from {MANIFEST_TABLE} order by file").fetchall()
    return {file: {"rows": count, "sha256": sha256} for file, count, sha256 in rows}
