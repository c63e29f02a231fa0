"""The link stage in `crosstrack build`: it runs between the gate and dbt with --linker splink, hands dbt the link
table, and an unknown linker is refused; with splink's links the key registry keeps a re-delivered person's key and
records a merge."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_person_keys import _rebuild_keys, _record_keys, _rows

from crosstrack.cli import main
from crosstrack.linkage.link import REVIEW_FIELDS, link_delivery
from crosstrack.pipeline import Build, BuildError, build_warehouse, save_key_registry
from crosstrack.quality.gate import STAGED_DIR
from crosstrack.settings import KEY_REGISTRY_NAME


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


@pytest.mark.warehouse
def test_with_splink_a_redelivered_person_keeps_the_key_and_a_reviewed_merge_is_recorded(
    built_warehouse, warehouse_copies, tmp_path
):
    """Two splink builds of the session's delivery: the second with a reviewer's match that joins two persons.
    Every other person keeps the key the first build gave; the two persons' records take one of their keys and the
    other key's retirement is a merge event."""
    typed = built_warehouse.quality / STAGED_DIR
    first_links = tmp_path / "first" / "links.parquet"
    link_delivery(typed, first_links)
    session_registry = built_warehouse.database.parent / KEY_REGISTRY_NAME
    first = _rebuild_keys(warehouse_copies, tmp_path / "first", session_registry, first_links)
    registry = tmp_path / "first" / KEY_REGISTRY_NAME
    assert save_key_registry(first, registry)
    before = _record_keys(first)
    methods = dict(_rows(first, "select match_method, count(*) from intermediate.int_person_records_linked group by 1"))
    assert methods.get("splink", 0) > 1000 and "sid" not in methods  # splink's links, not the rules'

    by_key: dict[str, list[tuple[str, str]]] = {}
    for record, key in sorted(before.items()):
        by_key.setdefault(key, []).append(record)
    larger, smaller = sorted((key for key in by_key if len(by_key[key]) >= 2), key=lambda k: (-len(by_key[k]), k))[:2]
    (system_l, record_l), (system_r, record_r) = by_key[larger][0], by_key[smaller][0]
    decisions = tmp_path / "decisions.csv"
    pd.DataFrame([dict(zip(REVIEW_FIELDS, (system_l, record_l, system_r, record_r, "match"), strict=True))]).to_csv(
        decisions, index=False
    )
    second_links = tmp_path / "second" / "links.parquet"
    link_delivery(typed, second_links, decisions_file=decisions)
    second = _rebuild_keys(warehouse_copies, tmp_path / "second", registry, second_links)
    after = _record_keys(second)

    joined = set(by_key[larger]) | set(by_key[smaller])
    assert {record: after[record] for record in before if record not in joined} == {
        record: key for record, key in before.items() if record not in joined
    }
    (kept,) = {after[record] for record in joined}
    retired = ({larger, smaller} - {kept}).pop()
    events = _rows(second, "select event_type, old_key, new_key, record_count from restricted.person_key_events")
    assert events == [("merge", retired, kept, len(by_key[retired]))]
    reviewed = _rows(
        second,
        "select match_method from intermediate.int_person_records_linked "
        "where source_system = ? and source_record_id = ?",
        [system_r, record_r],
    )
    assert reviewed == [("clerical_review",)]
