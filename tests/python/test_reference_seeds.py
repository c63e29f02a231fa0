"""Reference seeds (seeds/*.csv) against the landing contract, the generator's statute catalogue and docs/rules.md.

A contract change that adds a code without a seed change fails here, as does a statute the generator charges
people with that the statute map does not classify (rare ones may stay unmapped: they exercise the fallback).
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from crosstrack.contract import load_contract

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
GENERATOR_STATUTES = ROOT / "crosstrack" / "generator" / "data" / "statutes.csv"


@cache
def seed_rows(name: str) -> tuple[dict[str, str], ...]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def seed_codes(seed: str, system: str | None, code_column: str = "source_code", **where: str) -> set[str]:
    return {
        row[code_column]
        for row in seed_rows(seed)
        if (system is None or row["source_system"] == system) and all(row[k] == v for k, v in where.items())
    }


# (system, code set) -> (seed, column holding the code, extra filters). Every code of the code set must be there.
COVERED_CODE_SETS: dict[tuple[str, str], tuple[str, str, dict[str, str]]] = {
    **{
        (s, "race"): ("race_codes", "source_code", {})
        for s in ("ims", "oms", "jms", "masscourts", "parole", "probation")
    },
    **{(s, "ethnicity"): ("ethnicity_codes", "source_code", {}) for s in ("ims", "oms", "jms", "parole", "probation")},
    **{
        (s, "sex"): ("assigned_sex_codes", "source_code", {})
        for s in ("ims", "oms", "jms", "masscourts", "parole", "probation")
    },
    **{(s, "gender_identity"): ("gender_identity_codes", "source_code", {}) for s in ("ims", "oms", "jms")},
    **{(s, "self_report"): ("self_report_codes", "source_code", {}) for s in ("ims", "oms", "jms")},
    ("ims", "admission_type"): ("admission_type_codes", "source_code", {"code_set": "admission_type"}),
    ("oms", "booking_reason"): ("admission_type_codes", "source_code", {"code_set": "booking_reason"}),
    ("jms", "commit_reason"): ("admission_type_codes", "source_code", {"code_set": "commit_reason"}),
    ("ims", "release_type"): ("release_type_codes", "source_code", {"code_set": "release_type"}),
    ("oms", "release_reason"): ("release_type_codes", "source_code", {"code_set": "release_reason"}),
    ("jms", "release_reason"): ("release_type_codes", "source_code", {"code_set": "release_reason"}),
    ("ims", "offender_status"): ("offender_status_codes", "source_code", {"code_set": "offender_status"}),
    ("oms", "custody_status"): ("offender_status_codes", "source_code", {"code_set": "custody_status"}),
    ("jms", "status"): ("offender_status_codes", "source_code", {"code_set": "status"}),
    **{(s, "program"): ("program_codes", "source_code", {}) for s in ("ims", "oms", "jms")},
    ("ims", "security_level"): ("facility_type_codes", "source_code", {"code_set": "security_level"}),
    ("oms", "facility_type"): ("facility_type_codes", "source_code", {"code_set": "facility_type"}),
    ("jms", "facility_type"): ("facility_type_codes", "source_code", {"code_set": "facility_type"}),
    ("oms", "site"): ("agency_source_codes", "source_code", {"code_set": "site"}),
    ("jms", "agency"): ("agency_source_codes", "source_code", {"code_set": "agency"}),
    ("ims", "risk_level"): ("risk_level_codes", "source_code", {"instrument": "COMPAS"}),
    ("oms", "assessment_instrument"): ("risk_instruments", "source_instrument_code", {}),
    ("probation", "instrument"): ("risk_instruments", "source_instrument_code", {}),
    ("parole", "level"): ("risk_subcomponent_scales", "source_code", {"instrument": "LS/CMI"}),
    ("ims", "yes_no"): ("risk_subcomponent_scales", "source_code", {"instrument": "Identified Assessment"}),
    ("masscourts", "disposition"): ("court_dispositions", "disposition_code", {}),
    ("masscourts", "sentence_type"): ("court_sentence_types", "sentence_type_code", {}),
    ("masscourts", "severity"): ("court_severities", "severity_code", {}),
}

# Code sets the reference seeds deliberately do not map (their meaning is used directly by a later model, or
# they carry no conformed dimension). A new code set must be added to one of the two dictionaries.
NOT_REFERENCE_DATA: dict[tuple[str, str], str] = {
    ("ims", "program_outcome"): "program outcome: completion is read from the code by the programs model",
    ("masscourts", "event_type"): "court event type: arraignment (ARR) is read by the recidivism model",
    ("parole", "supervision_end"): "supervision end reason: reported as recorded",
    ("parole", "violation_type"): "violation type: reported as recorded",
    ("parole", "violation_outcome"): "violation outcome: read by the recidivism model",
    ("probation", "supervision_type"): "supervision type: reported as recorded",
    ("probation", "supervision_end"): "supervision end reason: reported as recorded",
}

# OMS assessment levels are mapped for each instrument delivering a level in OMS (Essex ORAS, Hampshire LS/CMI).
OMS_LEVEL_INSTRUMENTS = ("ORAS", "LS/CMI")


def contract_code_sets() -> list[tuple[str, str, dict[str, str]]]:
    return [
        (system.name, name, codes) for system in load_contract().systems for name, codes in system.code_sets.items()
    ]


@pytest.mark.rules("R-SRC-2", "R-ADM-1", "R-REL-1", "R-AGY-1", "R-RACE-1")
@pytest.mark.parametrize(("system", "code_set"), sorted(COVERED_CODE_SETS))
def test_every_contract_code_appears_in_its_seed(system: str, code_set: str) -> None:
    codes = set(load_contract().system(system).code_sets[code_set])
    seed, column, where = COVERED_CODE_SETS[(system, code_set)]
    has_system_column = "source_system" in seed_rows(seed)[0]
    mapped = seed_codes(seed, system if has_system_column else None, column, **where)
    assert codes - mapped == set(), f"{system}.{code_set} codes missing from seeds/{seed}.csv"


@pytest.mark.parametrize("instrument", OMS_LEVEL_INSTRUMENTS)
def test_every_oms_assessment_level_is_mapped_for_each_level_instrument(instrument: str) -> None:
    codes = set(load_contract().system("oms").code_sets["assessment_level"])
    assert codes - seed_codes("risk_level_codes", "oms", instrument=instrument) == set()


def test_every_contract_code_set_is_mapped_or_deliberately_left_out() -> None:
    undecided = {
        (system, name)
        for system, name, _ in contract_code_sets()
        if (system, name) not in COVERED_CODE_SETS
        and (system, name) not in NOT_REFERENCE_DATA
        and (system, name) != ("oms", "assessment_level")
    }
    assert undecided == set(), "new code sets: map them in a seed or list them in NOT_REFERENCE_DATA"


def test_seeds_map_no_code_the_contract_does_not_know() -> None:
    stale = set()
    for (system, code_set), (seed, column, where) in COVERED_CODE_SETS.items():
        if "source_system" not in seed_rows(seed)[0] or "code_set" not in seed_rows(seed)[0]:
            continue
        codes = set(load_contract().system(system).code_sets[code_set])
        stale |= {
            (seed, system, c) for c in seed_codes(seed, system, column, **{**where, "code_set": code_set}) - codes
        }
    assert stale == set()


# --- statutes (R-OFF-1..4) ------------------------------------------------------------------------------


def generator_statutes() -> list[dict[str, str]]:
    with GENERATOR_STATUTES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def statute_map() -> dict[str, dict[str, str]]:
    return {row["statute_citation"]: row for row in seed_rows("statute_offense_map")}


@pytest.mark.rules("R-OFF-4")
def test_every_common_generator_citation_is_mapped() -> None:
    unmapped = {row["citation"] for row in generator_statutes() if row["rare"] != "1"} - set(statute_map())
    assert unmapped == set()


@pytest.mark.rules("R-OFF-4")
def test_some_rare_generator_citations_stay_unmapped_to_exercise_the_fallback() -> None:
    rare = {row["citation"] for row in generator_statutes() if row["rare"] == "1"}
    assert rare - set(statute_map()), "leave at least one rare citation unmapped (R-OFF-4 fallback)"


@pytest.mark.rules("R-OFF-1")
def test_statute_map_severity_agrees_with_the_generator() -> None:
    severity = {"F": "Felony", "M": "Misdemeanor"}
    disagreements = {
        row["citation"]
        for row in generator_statutes()
        if row["citation"] in statute_map() and statute_map()[row["citation"]]["severity"] != severity[row["severity"]]
    }
    assert disagreements == set()


def test_citation_key_is_chapter_section_subsection() -> None:
    for citation, row in statute_map().items():
        assert citation == f"{row['chapter']}/{row['section']}/{row['subsection']}"
        assert citation == citation.upper().replace(" ", "")


@pytest.mark.rules("R-OFF-4")
def test_every_override_of_the_chapter_type_carries_a_rationale() -> None:
    chapters = {row["chapter"]: row for row in seed_rows("statute_chapters")}
    for citation, row in statute_map().items():
        default = chapters.get(row["chapter"], chapters["OTHER"])["offense_type"]
        if row["offense_type"] != default:
            assert row["rationale"].strip(), f"{citation} overrides {default} without a rationale"


@pytest.mark.rules("R-OFF-3")
def test_every_type_and_sub_type_pair_is_on_the_public_list() -> None:
    public = {(row["offense_type"], row["offense_sub_type"]) for row in seed_rows("offense_sub_types")}
    for row in statute_map().values():
        assert (row["offense_type"], row["offense_sub_type"]) in public
    for row in seed_rows("statute_chapters"):
        assert (row["offense_type"], row["fallback_offense_sub_type"]) in public


@pytest.mark.rules("R-OFF-2")
def test_chapter_defaults_follow_r_off_2() -> None:
    chapters = {row["chapter"]: row["offense_type"] for row in seed_rows("statute_chapters")}
    assert chapters == {
        "265": "Person",
        "266": "Property",
        "94C": "Drug",
        "90": "Motor Vehicle",
        "269": "Weapons",
        "272": "Public Order",
        "OTHER": "Other",
    }


# --- agencies and instruments (R-SRC-1, R-RISK-1) -------------------------------------------------------


@pytest.mark.rules("R-SRC-1")
def test_oms_and_jms_offices_per_reference_data() -> None:
    systems = {row["agency_code"]: row["custodial_system"] for row in seed_rows("agencies")}
    oms = {"BARNSTABLE", "BRISTOL", "ESSEX", "HAMPSHIRE", "MIDDLESEX", "PLYMOUTH", "WORCESTER"}
    jms = {"BERKSHIRE", "DUKES", "FRANKLIN", "HAMPDEN", "NORFOLK", "SUFFOLK"}
    assert {a for a, s in systems.items() if s == "oms"} == oms
    assert {a for a, s in systems.items() if s == "jms"} == jms
    assert {a for a, s in systems.items() if s == "ims"} == {"DOC"}


@pytest.mark.rules("R-RISK-1")
def test_instruments_by_agency_follow_r_risk_1() -> None:
    instruments = defaultdict(set)
    for row in seed_rows("risk_instruments"):
        instruments[row["agency_code"]].add(row["instrument"])
    lsi = {"BARNSTABLE", "BERKSHIRE", "DUKES", "FRANKLIN", "HAMPDEN", "NORFOLK", "PLYMOUTH", "SUFFOLK", "WORCESTER"}
    assert all(instruments[a] == {"LSI-R-SV"} for a in lsi)
    assert instruments["DOC"] == {"COMPAS"}
    assert instruments["PAROLE"] == {"LS/CMI"}
    assert instruments["PROBATION"] == {"ORAS-CSST", "ORAS-CST"}
    assert instruments["ESSEX"] == {"ORAS"}
    assert instruments["HAMPSHIRE"] == {"LS/CMI"}
    assert instruments["MIDDLESEX"] == {"ORAS-PIT"}
    assert "BRISTOL" not in instruments


@pytest.mark.rules("R-RISK-1")
def test_risk_cohort_starts_2020_for_state_agencies_and_hampden_and_2026_for_other_counties() -> None:
    start = {row["agency_code"]: int(row["risk_cohort_start_year"]) for row in seed_rows("risk_instruments")}
    assert {a for a, y in start.items() if y == 2020} == {"DOC", "PAROLE", "PROBATION", "HAMPDEN"}
    assert {a for a, y in start.items() if y != 2020} == set(start) - {"DOC", "PAROLE", "PROBATION", "HAMPDEN"}
    assert all(y == 2026 for a, y in start.items() if a not in {"DOC", "PAROLE", "PROBATION", "HAMPDEN"})


# --- bands and age groups (R-RISK-2, R-AGE-1) -----------------------------------------------------------


@pytest.mark.rules("R-RISK-2")
def test_score_bands_are_contiguous_and_do_not_overlap() -> None:
    bands = defaultdict(list)
    for row in seed_rows("risk_score_bands"):
        key = (row["instrument"], row["version"], row["assigned_sex"], row["source_system"])
        bands[key].append((int(row["min_score"]), int(row["max_score"])))
    for key, ranges in bands.items():
        ranges.sort()
        for (_, previous_max), (next_min, _) in itertools.pairwise(ranges):
            assert next_min == previous_max + 1, key


def band_of(instrument: str, version: str, sex: str, system: str, score: int) -> str:
    matches = [
        row["risk_level"]
        for row in seed_rows("risk_score_bands")
        if (row["instrument"], row["version"], row["source_system"]) == (instrument, version, system)
        and row["assigned_sex"] in (sex, "All")
        and int(row["min_score"]) <= score <= int(row["max_score"])
    ]
    assert len(matches) == 1
    return matches[0]


@pytest.mark.rules("R-RISK-2")
def test_female_score_3_is_low_on_the_4_item_csst_and_high_on_the_9_item() -> None:
    assert band_of("ORAS-CSST", "4-item", "Female", "probation", 3) == "Low"
    assert band_of("ORAS-CSST", "9-item", "Female", "probation", 3) == "High"


@pytest.mark.rules("R-AGE-1")
def test_age_groups_are_contiguous_from_zero_with_the_spec_boundaries() -> None:
    groups = sorted(seed_rows("age_groups"), key=lambda row: int(row["min_age"]))
    assert int(groups[0]["min_age"]) == 0
    for previous, following in itertools.pairwise(groups):
        assert int(following["min_age"]) == int(previous["max_age"]) + 1
    assert [g["min_age"] for g in groups] == ["0", "18", "25", "30", "40", "50", "60"]
    assert [g["age_group"] for g in groups if g["is_juvenile"] == "true"] == ["Under 18"]


@pytest.mark.rules("R-RISK-3")
def test_every_subcomponent_names_a_staged_column_of_the_contract() -> None:
    staged = {column.staged_as for landing_file in load_contract().files for column in landing_file.columns}
    assert {row["staged_column"] for row in seed_rows("risk_subcomponent_scales")} - staged == set()


@pytest.mark.rules("R-RISK-3")
def test_scored_subcomponent_scales_are_contiguous_from_zero() -> None:
    bounds = defaultdict(list)
    for row in seed_rows("risk_subcomponent_scales"):
        if row["min_score"]:
            key = (row["instrument"], row["version"], row["subcomponent"])
            bounds[key].append((int(row["min_score"]), int(row["max_score"])))
    for key, ranges in bounds.items():
        ranges.sort()
        assert ranges[0][0] == 0, key
        for (_, previous_max), (next_min, _) in itertools.pairwise(ranges):
            assert next_min == previous_max + 1, key
