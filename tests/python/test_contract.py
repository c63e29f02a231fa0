"""The landing contract is consistent, and everything derived from it is in step with it."""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import pytest
import yaml

from crosstrack.contract import ContractError, contract_text, load_contract, parse_contract
from crosstrack.contract import command as contract_command
from crosstrack.contract.cubes import (
    PROGRAM_GROUPS_SEED,
    _expand,
    _metric,
    check_program_groups,
    cubes_document,
    public_cubes,
)
from crosstrack.contract.render import project_rendered_files, rendered_files, stale_rendered
from crosstrack.contract.render_cubes import CELLS_MODELS_YAML, CUBES_MACRO, PUBLIC_MODELS_YAML
from crosstrack.contract.render_events import (
    LANDING_EVENTS_MODEL,
    TIMELINE_MACRO,
    render_landing_events,
    render_timeline_macro,
)

ROOT = Path(__file__).resolve().parents[2]


def test_every_derived_file_matches_a_fresh_render():
    assert stale_rendered(load_contract(), ROOT) == []


def test_a_contract_change_makes_the_derived_files_stale(tmp_path):
    contract = load_contract()
    for relative, text in rendered_files(contract).items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    document = yaml.safe_load(contract_text())
    document["systems"]["ims"]["files"]["IMS_OFFENDER.csv"]["columns"][1]["description"] = "changed"
    assert Path("models/staging/ims/_ims__sources.yml") in stale_rendered(parse_contract(document), tmp_path)


def test_six_systems_deliver_and_the_sheriff_systems_differ():
    contract = load_contract()
    assert [s.name for s in contract.systems] == ["ims", "oms", "jms", "masscourts", "parole", "probation"]
    oms, jms = contract.system("oms"), contract.system("jms")
    assert oms.date_format != jms.date_format
    assert set(oms.code_sets["race"]) != set(jms.code_sets["race"])
    assert {f.file_name for f in oms.files}.isdisjoint({f.file_name for f in jms.files})


def test_every_file_has_its_primary_key_required():
    for landing_file in load_contract().files:
        assert landing_file.column(landing_file.primary_key).required, landing_file.relative_path


def test_staging_model_names_are_unique():
    names = [f.staging_model for f in load_contract().files]
    assert len(names) == len(set(names))


@pytest.mark.rules("R-PUB-1")
def test_person_identifiers_are_marked_pii_wherever_they_appear():
    # R-PUB-1: names, birth dates, SIDs and docket numbers never leave the restricted layer.
    for landing_file in load_contract().files:
        for column in landing_file.columns:
            if column.staged_as in {"sid", "last_name", "first_name", "birth_date", "docket_number"}:
                assert column.pii, f"{landing_file.relative_path}.{column.name}"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f["columns"][0].update(type="decimal"), "unknown type"),
        (lambda f: f.update(primary_key="NOPE"), "primary key"),
        (lambda f: f["columns"][5].update(code_set="nope"), "unknown code set"),
        (lambda f: f["columns"].append(dict(f["columns"][0])), "unique"),
    ],
)
def test_an_inconsistent_contract_is_refused_with_its_place(mutate, message):
    document = yaml.safe_load(contract_text())
    mutate(document["systems"]["ims"]["files"]["IMS_OFFENDER.csv"])
    with pytest.raises(ContractError, match=message) as info:
        parse_contract(document)
    assert "ims/IMS_OFFENDER.csv" in str(info.value)


def test_a_dangling_reference_is_refused():
    document = yaml.safe_load(contract_text())
    document["systems"]["ims"]["files"]["IMS_ADMISSION.csv"]["columns"][1]["references"] = "IMS_NOPE.csv.X"
    with pytest.raises(ContractError, match="bad reference"):
        parse_contract(document)


def _render_into(root: Path) -> None:
    for relative, text in project_rendered_files(load_contract(), root).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / PROGRAM_GROUPS_SEED).parent.mkdir(parents=True, exist_ok=True)
    (root / PROGRAM_GROUPS_SEED).write_text((ROOT / PROGRAM_GROUPS_SEED).read_text(encoding="utf-8"), encoding="utf-8")


@pytest.mark.parametrize("generated", [PUBLIC_MODELS_YAML, CELLS_MODELS_YAML, CUBES_MACRO])
def test_the_drift_check_fails_on_an_edited_generated_file(tmp_path, capsys, generated):
    _render_into(tmp_path)
    check = argparse.Namespace(action="check", root=tmp_path)
    assert contract_command.run(check) == 0
    path = tmp_path / generated
    path.write_text(path.read_text(encoding="utf-8").replace("Do not edit.", "Edited by hand.", 1), encoding="utf-8")
    assert contract_command.run(check) == 1
    assert str(generated) in capsys.readouterr().out
    assert contract_command.run(argparse.Namespace(action="render", root=tmp_path)) == 0
    assert contract_command.run(check) == 0


def test_the_program_groups_of_the_cubes_are_those_of_the_seed(tmp_path):
    _render_into(tmp_path)
    check_program_groups(tmp_path)
    seed = tmp_path / PROGRAM_GROUPS_SEED
    seed.write_text(seed.read_text(encoding="utf-8").replace("Religious,", "Faith,"), encoding="utf-8")
    with pytest.raises(ContractError, match="program groups"):
        check_program_groups(tmp_path)
    assert contract_command.run(argparse.Namespace(action="check", root=tmp_path)) == 1


def test_every_cube_names_models_that_exist():
    models = {path.stem for path in (ROOT / "models").rglob("*.sql")}
    for cohort, cube in public_cubes().items():
        assert {cube["table"], cube["records"], cube["cells"]} <= models, cohort


def test_every_count_metric_has_a_key_column_and_every_magnitude_a_scale():
    for cube in public_cubes().values():
        protection = {column["name"] for column in cube["protection_columns"]}
        for metric in cube["metrics"]:
            if metric["protect"] == "count":
                assert metric["key_column"] in protection, metric["name"]
            elif metric["protect"] == "magnitude":
                assert metric["scale"]["name"] in protection, metric["name"]
            else:
                assert metric["numerator"] in {m["name"] for m in cube["metrics"]}, metric["name"]


@pytest.mark.rules("R-EX-2")
def test_every_row_of_every_file_but_a_person_file_gives_a_timeline_event():
    # R-EX-2: a row reaches a mart as an event of the timeline or, in a person file, through its person.
    for system in load_contract().systems:
        assert system.timeline is not None, system.name
        without_events = {f.file_name for f in system.files if not f.events}
        assert without_events <= {system.timeline.person_file}, system.name


def test_the_landing_timeline_is_rendered_from_the_events_of_the_contract():
    rendered = render_landing_events(load_contract())
    for landing_file in load_contract().files:
        for event in landing_file.events:
            assert f"'{landing_file.file_name}' as file_name,\n" in rendered
            assert f"'{event.type}' as event_type," in rendered
    # a charge hangs from its sentence, which hangs from its admission: the person record comes from the admission
    assert "left join ims_sentences on ims_charges.ims_sentence_id = ims_sentences.ims_sentence_id" in rendered
    assert "left join ims_admissions on ims_sentences.ims_admission_id = ims_admissions.ims_admission_id" in rendered
    # an OMS assessment reads its agency from the person file it references
    assert "left join oms_inmates on oms_assessments.oms_inmate_id = oms_inmates.oms_inmate_id" in rendered
    persons = render_timeline_macro(load_contract())
    for system in load_contract().systems:
        assert f"{{'source_system': '{system.name}', 'file_name': '{system.timeline.person_file}'}}" in persons


def test_an_event_change_makes_the_landing_timeline_stale(tmp_path):
    _render_into(tmp_path)
    document = yaml.safe_load(contract_text())
    document["systems"]["parole"]["files"]["violations.csv"]["events"][0]["type"] = "breach"
    changed = parse_contract(document)
    assert stale_rendered(changed, tmp_path) == [LANDING_EVENTS_MODEL]
    assert "'breach' as event_type," in render_landing_events(changed)


def test_the_files_whose_rows_give_more_than_one_event_are_rendered_from_the_contract(tmp_path):
    # landing_reconciliation counts a row of these files once, whatever its events (R-EX-2): a file missing from
    # the list would count an admission with its release twice, and the accounting test would fail.
    multi_event = render_timeline_macro(load_contract()).split("landing_multi_event_files")[1]
    for system in load_contract().systems:
        for landing_file in system.files:
            entry = f"{{'source_system': '{system.name}', 'file_name': '{landing_file.file_name}'}}"
            assert (entry in multi_event) == (len(landing_file.events) > 1), landing_file.relative_path
    _render_into(tmp_path)
    document = yaml.safe_load(contract_text())
    document["systems"]["parole"]["files"]["violations.csv"]["events"].append(
        {"type": "violation hearing", "date": "violation_date", "code": None, "optional": True}
    )
    changed = parse_contract(document)
    assert TIMELINE_MACRO in stale_rendered(changed, tmp_path)
    assert "{'source_system': 'parole', 'file_name': 'violations.csv'}" in render_timeline_macro(changed)


def test_an_event_reading_a_row_it_does_not_hang_from_is_an_error():
    document = yaml.safe_load(contract_text())
    document["systems"]["ims"]["files"]["IMS_STATUS.csv"]["events"][0]["date"] = "sentences.sentence_date"
    with pytest.raises(ContractError, match="not a row it hangs from"):
        render_landing_events(parse_contract(document))


def test_a_median_of_anything_but_whole_days_is_refused():
    # The cells take a median's column as an integer: a median of fractional values would be truncated.
    document = copy.deepcopy(cubes_document())  # the loaded document is cached: changed on a copy only
    document["metrics"]["median_incarceration_days"]["unit"] = "years"
    with pytest.raises(ContractError, match="median_incarceration_days"):
        _metric(document, "median_incarceration_days")
    assert _metric(cubes_document(), "median_incarceration_days")["median_of"] == "incarceration_days"


@pytest.mark.parametrize("sql", ["sum(is_reconviction) - sum(is_reincarceration)", "count(*) + 1", "stddev(days)"])
def test_a_metric_that_is_not_one_aggregate_of_a_record_expression_is_refused(sql):
    # The cells compute each aggregate's input once per record and aggregate it (macros/public_cells.sql): an
    # expression of two aggregates would be split into a wrong input.
    document = copy.deepcopy(cubes_document())  # the loaded document is cached: changed on a copy only
    document["metrics"]["record_count"]["sql"] = sql
    with pytest.raises(ContractError, match="'record_count'"):
        _expand(document)


def test_every_aggregate_of_the_cells_is_its_function_of_its_input():
    for cube in public_cubes().values():
        for aggregated in cube["metrics"] + cube["protection_columns"]:
            if "sql" in aggregated:
                assert f"{aggregated['aggregate']}({aggregated['input']})" == aggregated["sql"], aggregated["name"]
