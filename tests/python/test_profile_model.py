"""scripts/profile_model.py: a model's SQL (or a rewrite of it) profiled against a built warehouse and compared."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import duckdb
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "profile_model.py"
_spec = importlib.util.spec_from_file_location("profile_model", SCRIPT)
profile_model = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(profile_model)

MODEL_SQL = 'select kind, count(*) as n from "wh"."marts"."events" group by kind'


@pytest.fixture
def build(tmp_path: Path) -> tuple[Path, Path]:
    """A built warehouse `wh` with a source table and the model `event_counts` built from it, and its target."""
    warehouse = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute("create table marts.events as select i % 3 as kind from range(30) t(i)")
    con.execute(f"create table marts.event_counts as {MODEL_SQL}")
    con.close()
    target = tmp_path / "target"
    target.mkdir()
    node = {
        "resource_type": "model",
        "name": "event_counts",
        "package_name": "crosstrack",
        "original_file_path": "models/marts/event_counts.sql",
        "database": "wh",
        "schema": "marts",
        "alias": "event_counts",
        "compiled_code": MODEL_SQL,
    }
    (target / "manifest.json").write_text(json.dumps({"nodes": {"model.crosstrack.event_counts": node}}))
    return warehouse, target


def test_the_models_own_sql_gives_the_built_rows(build, capsys):
    warehouse, target = build
    args = ["event_counts", "--warehouse", str(warehouse), "--target", str(target), "--compare"]
    assert profile_model.main(args) == 0
    out = capsys.readouterr().out
    assert "event_counts: " in out and ", 3 rows " in out
    assert 'rows only in the result: 0; only in "marts"."event_counts": 0' in out


def test_a_rewrite_that_changes_rows_is_caught(build, tmp_path, capsys):
    warehouse, target = build
    candidate = tmp_path / "candidate.sql"
    candidate.write_text(MODEL_SQL.replace("count(*)", "count(*) + (kind = 2)::int"))
    args = ["event_counts", "--warehouse", str(warehouse), "--target", str(target), "--sql", str(candidate)]
    assert profile_model.main([*args, "--compare"]) == 1
    assert 'rows only in the result: 1; only in "marts"."event_counts": 1' in capsys.readouterr().out
    assert profile_model.main(args) == 0  # without --compare it only profiles
