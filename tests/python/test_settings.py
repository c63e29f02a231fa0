"""The one settings object: CROSSTRACK_* variables, explicit values over them, and what dbt is handed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crosstrack.pipeline import environment_set
from crosstrack.secret import secret_path
from crosstrack.settings import ENV_PREFIX, Settings

PATH_FIELDS = ("db", "public_db", "api_keys", "audit_log", "key_registry", "landing_dir", "quarantine_file")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    return monkeypatch


def test_each_field_comes_from_its_crosstrack_variable(clean_environment, tmp_path) -> None:
    for name in PATH_FIELDS:
        clean_environment.setenv(ENV_PREFIX + name.upper(), str(tmp_path / name))
    settings = Settings()
    assert {name: getattr(settings, name) for name in PATH_FIELDS} == {name: tmp_path / name for name in PATH_FIELDS}


def test_explicit_values_win_and_unset_ones_fall_back(clean_environment, tmp_path) -> None:
    clean_environment.setenv("CROSSTRACK_DB", str(tmp_path / "from_env.duckdb"))
    clean_environment.setenv("CROSSTRACK_API_KEYS", "")  # empty counts as unset
    settings = Settings.load(db=tmp_path / "given.duckdb", audit_log=None)
    assert settings.db == tmp_path / "given.duckdb"
    assert settings.api_keys == Settings.model_fields["api_keys"].default
    assert settings.audit_log == Settings.model_fields["audit_log"].default
    assert Settings.load(audit_log=None).db == tmp_path / "from_env.duckdb"


def test_the_secret_file_follows_the_environment_as_it_changes(clean_environment, tmp_path) -> None:
    assert secret_path() == Settings.model_fields["secret_file"].default
    clean_environment.setenv("CROSSTRACK_SECRET_FILE", f" {tmp_path / 'a.key'} ")
    assert secret_path() == tmp_path / "a.key"
    clean_environment.setenv("CROSSTRACK_SECRET_FILE", str(tmp_path / "b.key"))
    assert secret_path() == tmp_path / "b.key"


def test_dbt_is_handed_absolute_paths_and_the_registry_beside_the_warehouse(clean_environment, tmp_path) -> None:
    settings = Settings.load(db=tmp_path / "w" / "x.duckdb", landing_dir=Path("relative/landing"))
    handed = settings.dbt_environment()
    assert handed["CROSSTRACK_DB"] == str(tmp_path / "w" / "x.duckdb")
    assert handed["CROSSTRACK_KEY_REGISTRY"] == str(tmp_path / "w" / "person_key_registry.parquet")
    assert "CROSSTRACK_LANDING_DIR" not in handed  # dbt reads the gate's typed records, never the delivery
    assert handed["CROSSTRACK_QUARANTINE_FILE"] == ""  # none: staging excludes nothing
    assert all(Path(value).is_absolute() for value in handed.values() if value)


def test_the_environment_set_for_a_run_is_restored_after_it(clean_environment) -> None:
    clean_environment.setenv("CROSSTRACK_DB", "before.duckdb")
    with pytest.raises(RuntimeError), environment_set({"CROSSTRACK_DB": "during", "CROSSTRACK_LANDING_DIR": "d"}):
        assert (os.environ["CROSSTRACK_DB"], os.environ["CROSSTRACK_LANDING_DIR"]) == ("during", "d")
        raise RuntimeError("a failed run")
    assert os.environ["CROSSTRACK_DB"] == "before.duckdb"
    assert "CROSSTRACK_LANDING_DIR" not in os.environ
