"""Reconciliation (R-EX-2) and SID capture (R-RPT-2) reports, on small hand-made warehouses."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crosstrack.cli import main
from crosstrack.contract import load_contract
from crosstrack.quality.gate import GateOptions, run_gate
from crosstrack.quality.outputs import write_outputs
from crosstrack.quality.reconcile import EXIT_UNBALANCED, reconcile
from crosstrack.quality.rules import GateSettings
from crosstrack.quality.sample_delivery import write_sample_delivery
from crosstrack.quality.sid_capture import sid_capture_report

ROWS = 12


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A delivery with two quarantined rows in parole/lscmi.csv, gated; returns the gate's output directory."""
    root = tmp_path_factory.mktemp("gated")
    landing = write_sample_delivery(root / "landing", rows=ROWS)
    path = landing / "parole/lscmi.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    score = header.index("total_score")
    for row in (3, 4):
        fields = lines[row].split(",")
        fields[score] = "99"
        lines[row] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    out = root / "q"
    settings = GateSettings(extract_date=pd.Timestamp("2026-07-01").date())
    write_outputs(run_gate(GateOptions(landing_dir=landing, out_dir=out, settings=settings, use_gx=False)))
    return out


def build_fake_warehouse(
    path: Path, gate_dir: Path, staging_rejects: dict[str, list[int]], short: str = "", mart: bool = True
) -> None:
    """restricted.landing_reconciliation as a build over this delivery writes it: the rows the gate quarantined
    (by the gate's reason), staging's own rejects, the other rows in the marts (`short`: one row lost)."""
    quarantine = pd.read_parquet(gate_dir / "quarantine.parquet")
    with duckdb.connect(str(path)) as con:
        if not mart:
            return
        con.execute("create schema restricted")
        con.execute(
            "create table restricted.landing_reconciliation (source_system varchar, file_name varchar,"
            " disposition varchar, reason varchar, row_count bigint)"
        )
        for landing_file in load_contract().files:
            name = landing_file.relative_path
            rows: dict[tuple[str, str], int] = {}
            quarantined = quarantine[quarantine["file_name"] == landing_file.file_name]
            gone = set(quarantined["landing_row"])
            for _, first in quarantined.groupby("landing_row").head(1).iterrows():
                key = ("rejected", f"quality_gate: {first['reason']}")
                rows[key] = rows.get(key, 0) + 1
            for row in staging_rejects.get(name, []):
                gone.add(row)
                key = ("rejected", "staging: duplicate primary key")
                rows[key] = rows.get(key, 0) + 1
            kept = ROWS - len(gone) - (1 if name == short else 0)
            rows[("in_marts", "")] = kept
            con.executemany(
                "insert into restricted.landing_reconciliation values (?, ?, ?, ?, ?)",
                [[landing_file.system, landing_file.file_name, d, r, n] for (d, r), n in rows.items()],
            )


@pytest.mark.rules("R-EX-2")
def test_every_received_row_is_staged_quarantined_or_rejected(gated: Path, tmp_path: Path) -> None:
    database = tmp_path / "wh.duckdb"
    build_fake_warehouse(database, gated, {"ims/IMS_CHARGE.csv": [5, 9]})
    results = {r.file: r for r in reconcile(database, gated)}
    assert all(r.balanced for r in results.values())
    lscmi = results["parole/lscmi.csv"]
    assert (lscmi.received, lscmi.quarantined, lscmi.rejected, lscmi.staged) == (ROWS, 2, 0, ROWS - 2)
    assert lscmi.quarantined_by_reason == {"out of range [0, 43]": 2}
    assert lscmi.notes == []  # the mart's quarantined rows are the gate's
    charges = results["ims/IMS_CHARGE.csv"]
    assert (charges.quarantined, charges.rejected, charges.staged) == (0, 2, ROWS - 2)
    assert charges.rejected_by_reason == {"duplicate primary key": 2}
    assert charges.in_marts == ROWS - 2


def test_a_warehouse_without_the_accounting_mart_does_not_balance(gated: Path, tmp_path: Path) -> None:
    database = tmp_path / "wh.duckdb"
    build_fake_warehouse(database, gated, {}, mart=False)
    results = reconcile(database, gated)
    assert not any(r.balanced for r in results)
    assert all(r.in_marts is None and "restricted.landing_reconciliation not found" in r.notes[0] for r in results)


@pytest.mark.rules("R-EX-2")
def test_a_lost_row_makes_the_reconciliation_fail(
    gated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "wh.duckdb"
    build_fake_warehouse(database, gated, {}, short="oms/Booking.csv")
    out = tmp_path / "rec"
    out.mkdir()
    for name in ("quarantine.parquet", "manifest.json"):
        (out / name).write_bytes((gated / name).read_bytes())
    assert main(["validate", "--reconcile", str(database), "--out", str(out)]) == EXIT_UNBALANCED
    assert "does NOT balance for 1 file(s): oms/Booking.csv" in capsys.readouterr().err
    written = json.loads((out / "reconciliation.json").read_text())
    assert written["balanced"] is False
    booking = next(f for f in written["files"] if f["file"] == "oms/Booking.csv")
    assert (booking["received"], booking["staged"], booking["balanced"]) == (ROWS, ROWS - 1, False)


@pytest.mark.rules("R-RPT-2")
@pytest.mark.warehouse
def test_sid_capture_reads_the_one_definition_in_the_warehouse(built_warehouse) -> None:
    # R-RPT-2: the report reads restricted.sid_capture_summary; its totals agree with the staged person records.
    rows = sid_capture_report(built_warehouse.database)
    with duckdb.connect(str(built_warehouse.database), read_only=True) as con:
        staged = dict(
            con.execute(
                "select source_system, count(*) from intermediate.int_person_records_unioned group by 1"
            ).fetchall()
        )
        with_sid = dict(
            con.execute(
                "select source_system, count(sid) from intermediate.int_person_records_unioned group by 1"
            ).fetchall()
        )
    by_system: dict[str, list[int]] = {}
    for row in rows:
        totals = by_system.setdefault(row.source_system, [0, 0])
        totals[0] += row.records
        totals[1] += row.with_sid
        assert row.agreeing_sid is not None and row.agreeing_sid <= row.with_sid
        assert row.well_formed_sid <= row.with_sid
    assert {system: tuple(t) for system, t in by_system.items()} == {
        system: (staged[system], with_sid[system]) for system in staged
    }
    assert any(row.with_sid < row.records for row in rows), "no record lacks a SID: the report is vacuous"


@pytest.mark.rules("R-RPT-2")
@pytest.mark.warehouse
def test_sid_capture_command_writes_the_csv(built_warehouse, tmp_path: Path) -> None:
    assert main(["validate", "--sid-capture", str(built_warehouse.database), "--out", str(tmp_path / "out")]) == 0
    written = pd.read_csv(tmp_path / "out/sid_capture.csv")
    assert written["records"].sum() == sum(r.records for r in sid_capture_report(built_warehouse.database))
    assert written["agreeing_share"].between(0, 1).all()


def test_sid_capture_of_a_warehouse_without_the_summary_is_a_clear_error(tmp_path: Path, capsys) -> None:
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    assert main(["validate", "--sid-capture", str(database), "--out", str(tmp_path / "out")]) == 2
    assert "restricted.sid_capture_summary" in capsys.readouterr().err
