"""The landing contract is consistent, and everything derived from it is in step with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crosstrack.contract import ContractError, contract_text, load_contract, parse_contract
from crosstrack.contract.render import rendered_files, stale_rendered

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


def test_person_identifiers_are_marked_pii_wherever_they_appear():
    # SPEC R-PUB-1: names, birth dates, SIDs and docket numbers never leave the restricted layer.
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
