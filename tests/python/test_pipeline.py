"""`crosstrack build` in one process: a failed stage is an error naming it, and leaves no warehouse behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crosstrack.pipeline import Build, BuildError, build_warehouse


def test_a_failed_dbt_build_names_the_stage_and_installs_nothing(tmp_path, with_secret, monkeypatch) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()  # a delivery without its files: the first staging model cannot read its source
    # The gate would refuse this delivery first (tests/python/test_quality_gate.py); here it is passed over so that
    # dbt is the stage that fails.
    monkeypatch.setattr(Build, "validate", lambda self: None)
    warehouse = tmp_path / "w" / "crosstrack.duckdb"
    before, folder = dict(os.environ), Path.cwd()
    with pytest.raises(BuildError, match=r"^stage 'dbt build' failed: ") as failure:
        build_warehouse(
            landing, warehouse, "2026-07-01", docs=False, quiet=True, dbt_args=("--fail-fast",), target_path=tmp_path
        )
    assert "landing" in str(failure.value)  # what failed: the missing delivery files, by path
    assert not warehouse.exists()  # readers keep the warehouse they had (none here)
    assert dict(os.environ) == before  # the variables handed to dbt are gone with the run
    assert Path.cwd() == folder  # and the working folder is the one the build started in


def test_the_docs_show_the_sql_the_build_ran(built_warehouse) -> None:
    # The docs stage documents the build's own manifest (dbt docs generate --no-compile): every model carries the
    # path of the SQL the build ran; a second compile of the project would write a manifest without it.
    manifest = json.loads((built_warehouse.target / "manifest.json").read_text(encoding="utf-8"))
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert models and all(node["build_path"] for node in models)
    static_index = (built_warehouse.target / "static_index.html").read_text(encoding="utf-8")
    assert all(node["build_path"] in static_index for node in models)
