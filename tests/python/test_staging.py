"""Staging on a generated delivery: every landing row is staged or rejected with its reason (R-EX-2).

These tests read the warehouse built once per session by the `built_warehouse` fixture (conftest.py) and check it
against the landing files themselves and the generator's ground truth, never against the models' own counts.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crosstrack.contract import load_contract
from crosstrack.pipeline import build_warehouse

pytestmark = [pytest.mark.warehouse, pytest.mark.rules("R-EX-2")]


def _csv_data_rows(path: Path) -> int:
    """Data records in a landing file, counted by Python's own CSV reader (header excluded)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _query(database: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_landing_row_is_staged_or_rejected(built_warehouse):
    landing = built_warehouse.landing
    rejected = {
        (system, file_name): n
        for system, file_name, n in _query(
            built_warehouse.database,
            "select source_system, file_name, count(*) from staging.stg_landing__rejects group by 1, 2",
        )
    }
    mismatches = []
    for landing_file in load_contract().files:
        received = _csv_data_rows(landing / landing_file.relative_path)
        staged = _query(built_warehouse.database, f"select count(*) from staging.{landing_file.staging_model}")[0][0]
        lost = received - staged - rejected.get((landing_file.system, landing_file.file_name), 0)
        if lost:
            mismatches.append((landing_file.relative_path, received, staged, lost))
    assert mismatches == []


def test_the_delivery_has_rejects_so_the_reconciliation_is_not_vacuous(built_warehouse):
    by_step = dict(
        _query(built_warehouse.database, "select rejected_by, count(*) from staging.stg_landing__rejects group by 1")
    )
    assert by_step.get("staging", 0) + by_step.get("quality_gate", 0) > 0


def test_each_unparseable_value_injected_by_the_generator_is_rejected_at_its_row(built_warehouse):
    faults = pd.read_parquet(built_warehouse.truth / "faults.parquet")
    contract = load_contract()
    typed_columns = {
        (f.system, f.file_name, c.name)
        for f in contract.files
        for c in f.columns
        if c.type in {"date", "timestamp", "integer", "flag"}
    }
    malformed = faults[faults["fault_kind"].str.contains("malformed")]
    malformed = malformed[
        [key in typed_columns for key in zip(malformed["system"], malformed["file"], malformed["column"], strict=True)]
    ]
    assert len(malformed) > 0, "the generator injected no malformed typed value at this scale"
    rejects = pd.DataFrame(
        _query(
            built_warehouse.database,
            "select source_system, file_name, landing_row from staging.stg_landing__rejects",
        ),
        columns=["system", "file", "landing_row"],
    )
    found = malformed.merge(rejects, on=["system", "file", "landing_row"], how="left", indicator=True)
    missing = found[found["_merge"] == "left_only"]
    assert missing.empty, missing.head(10).to_string()


def test_a_duplicated_row_is_rejected_and_its_first_occurrence_staged(built_warehouse):
    rows = _query(
        built_warehouse.database,
        "select source_system, file_name, landing_row, reject_reason from staging.stg_landing__rejects "
        "where reject_reason like 'duplicate primary key%' and rejected_by = 'staging'",
    )
    if not rows:
        rows = _query(
            built_warehouse.database,
            "select source_system, file_name, landing_row, reject_reason from staging.stg_landing__rejects "
            "where reject_reason ilike '%duplicate%'",
        )
    assert rows, "no duplicate row was rejected"
    system, file_name, landing_row, _ = rows[0]
    landing_file = load_contract().system(system).file(file_name)
    with (built_warehouse.landing / landing_file.relative_path).open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    header, data = records[0], records[1:]
    key_index = header.index(landing_file.primary_key)
    key = data[landing_row - 1][key_index]
    first = next(i for i, record in enumerate(data, start=1) if record[key_index] == key)
    assert first < landing_row
    staged_rows = _query(
        built_warehouse.database,
        f"select landing_row from staging.{landing_file.staging_model} "
        f"where {landing_file.column(landing_file.primary_key).staged_as} = '{key}'",
    )
    assert staged_rows in ([(first,)], [])  # staged at its first occurrence, unless that one was itself rejected


def test_columns_delivered_in_another_order_stage_the_same(built_warehouse, with_secret, tmp_path):
    landing_file = load_contract().system("ims").file("IMS_OFFENDER.csv")
    delivery = tmp_path / "landing"
    shutil.copytree(built_warehouse.landing, delivery)
    frame = pd.read_csv(delivery / landing_file.relative_path, dtype=str, keep_default_na=False)
    frame[list(reversed(frame.columns))].to_csv(delivery / landing_file.relative_path, index=False)
    rebuilt = tmp_path / "reordered.duckdb"
    build_warehouse(
        landing_dir=delivery,
        warehouse=rebuilt,
        as_of=built_warehouse.as_of,
        quality_dir=tmp_path / "quality",
        docs=False,
        quiet=True,
        dbt_args=("--select", f"{landing_file.base_model}", "--exclude", "test_type:unit"),
        target_path=tmp_path / "target",
        reconcile=False,
    )
    sql = f"select * exclude (reject_value) from staging.{landing_file.base_model} order by landing_row"
    assert _query(rebuilt, sql) == _query(built_warehouse.database, sql)


def test_every_model_and_column_is_described(built_warehouse):
    manifest = json.loads((built_warehouse.target / "manifest.json").read_text())
    catalog = json.loads((built_warehouse.target / "catalog.json").read_text())
    undocumented = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in {"model", "seed"}:
            continue
        if not node["description"].strip():
            undocumented.append(unique_id)
        described = {name.lower() for name, col in node["columns"].items() if col["description"].strip()}
        actual = catalog["nodes"].get(unique_id, {}).get("columns", {})
        undocumented += [f"{unique_id}.{name}" for name in actual if name.lower() not in described]
    assert undocumented == []
