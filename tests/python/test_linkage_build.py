"""The link stage in `crosstrack build`: it runs between the gate and dbt with --linker splink, hands dbt the link
table, and an unknown linker is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosstrack.cli import main
from crosstrack.pipeline import Build, BuildError, build_warehouse


@pytest.fixture
def recorded(tmp_path: Path, with_secret, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """The stages a build runs, in order, with the link table dbt would be handed (no stage does real work)."""
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(Build, "validate", lambda self: calls.append(("validate", None)))
    monkeypatch.setattr(Build, "link", lambda self: calls.append(("link", self.link_table)))
    monkeypatch.setattr(Build, "dbt_build", lambda self: calls.append(("dbt build", self.link_table)))
    monkeypatch.setattr(Build, "install", lambda self: calls.append(("install", None)))
    monkeypatch.setattr("crosstrack.pipeline.key_event_counts", lambda database: {"merge": (2, 5)})
    (tmp_path / "landing").mkdir()
    return calls


def _build(tmp_path: Path, linker: str):
    return build_warehouse(
        tmp_path / "landing",
        tmp_path / "w" / "crosstrack.duckdb",
        "2026-07-01",
        quality_dir=tmp_path / "quality",
        docs=False,
        quiet=True,
        reconcile=False,
        linker=linker,
    )


def test_the_splink_linker_links_between_the_gate_and_dbt(tmp_path: Path, recorded) -> None:
    result = _build(tmp_path, "splink")
    link_table = tmp_path / "quality" / "linkage" / "links.parquet"
    assert recorded == [("validate", None), ("link", link_table), ("dbt build", link_table), ("install", None)]
    assert [stage.name for stage in result.stages] == ["validate", "link", "dbt build"]
    assert result.key_events == {"merge": (2, 5)}


def test_the_deterministic_linker_has_no_link_stage_and_no_link_table(tmp_path: Path, recorded) -> None:
    _build(tmp_path, "deterministic")
    assert recorded == [("validate", None), ("dbt build", None), ("install", None)]


def test_an_unknown_linker_is_refused(tmp_path: Path, recorded) -> None:
    with pytest.raises(BuildError, match="unknown linker 'fuzzy'"):
        _build(tmp_path, "fuzzy")
    assert recorded == []


def test_the_link_table_reaches_dbt_as_an_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build = Build(tmp_path / "landing", tmp_path / "w.duckdb", "2026-07-01", quality_dir=tmp_path, linker="splink")
    seen: dict[str, str] = {}
    monkeypatch.setattr(
        "crosstrack.pipeline.run_dbt", lambda verb, as_of, settings, *rest: seen.update(settings.dbt_environment())
    )
    build._dbt(["build"])
    assert seen["CROSSTRACK_LINK_TABLE"] == str((tmp_path / "linkage" / "links.parquet").resolve())


def test_linkage_train_names_a_missing_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["linkage", "train", "--typed", "/nonexistent/typed"]) == 2
    assert "--typed: no such folder '/nonexistent/typed'" in capsys.readouterr().err
