"""`crosstrack build` in one process: a failed stage is an error naming it, and leaves no warehouse behind."""

from __future__ import annotations

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
