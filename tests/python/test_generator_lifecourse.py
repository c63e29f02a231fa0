"""The extracts tell coherent life courses and follow each agency's recording habits (docs/rules.md sections 1-3,
7-9)."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from crosstrack.generator.faults import UNKNOWN_CODES

INJECTED_CODES = set(UNKNOWN_CODES.tolist())  # unknown-code faults, logged in truth/faults


def _landing(delivery: Path, relative_path: str) -> pd.DataFrame:
    frame = pd.read_csv(delivery / "landing" / relative_path, dtype=str, keep_default_na=False)
    return frame.drop_duplicates()


def _statute_catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("crosstrack.generator").joinpath("data/statutes.csv").read_text(encoding="utf-8")
    return {row["citation"]: row for row in csv.DictReader(text.splitlines())}


def test_statute_catalogue_holds_real_three_part_citations() -> None:
    catalogue = _statute_catalogue()
    assert 60 <= len(catalogue) <= 120
    for citation, row in catalogue.items():
        assert citation.count("/") == 2 and citation == f"{row['chapter']}/{row['section']}/{row['subsection']}"
        assert row["severity"] in {"F", "M"} and float(row["weight"]) > 0 and row["rare"] in {"0", "1"}
    chapters = {row["chapter"] for row in catalogue.values()}
    assert {"265", "266", "267", "94C", "90", "269", "272", "209A", "268"} <= chapters
    assert {"90/24/", "90/24G/", "269/10/A", "265/15A/B"} <= catalogue.keys()
    assert any(row["rare"] == "1" for row in catalogue.values())


@pytest.mark.parametrize(
    ("relative_path", "columns"),
    [
        ("masscourts/charges.csv", ["statute_citation", "amended_citation"]),
        ("ims/IMS_CHARGE.csv", ["OFFENSE_CITATION"]),
        ("oms/Charge.csv", ["Statute"]),
        ("jms/charges.csv", ["statute"]),
    ],
)
def test_every_charge_cites_a_catalogued_statute(generated_delivery: Path, relative_path: str, columns) -> None:
    charges = _landing(generated_delivery, relative_path)
    catalogue = _statute_catalogue().keys()
    for column in columns:
        cited = set(charges[column]) - {""}
        assert cited and cited <= catalogue


def test_charges_are_amended_after_filing(generated_delivery: Path) -> None:
    charges = _landing(generated_delivery, "masscourts/charges.csv")
    dockets = _landing(generated_delivery, "masscourts/dockets.csv")[["docket_number", "filing_date"]]
    amended = charges[charges.amended_citation != ""].merge(dockets, on="docket_number")
    assert 0.02 < len(amended) / len(charges) < 0.15
    dated = amended[amended.amended_date.str.match(r"^\d{4}-\d\d-\d\d$") & amended.filing_date.str.match(r"^\d{4}-")]
    assert (dated.amended_date >= dated.filing_date).mean() > 0.99


def test_ims_flags_exactly_one_governing_offense_per_sentence(generated_delivery: Path) -> None:
    charges = _landing(generated_delivery, "ims/IMS_CHARGE.csv")
    governing = charges.groupby("SENTENCE_ID").GOVERNING_FLAG.apply(lambda flags: (flags == "Y").sum())
    assert len(governing) > 20 and (governing == 1).all()


def test_bristol_delivers_no_assessments_before_2026(generated_delivery: Path) -> None:
    assessments = _landing(generated_delivery, "oms/Assessment.csv")
    year = assessments.AssessmentDate.str[-4:]
    bristol = assessments.InmateId.str.startswith("BRI")
    assert not (bristol & (year < "2026")).any()
    instruments = assessments.groupby(assessments.InmateId.str[:3]).Instrument.agg(
        lambda s: set(s) - {""} - INJECTED_CODES
    )
    assert instruments["ESS"] <= {"ORAS"} and instruments["MID"] <= {"ORASPIT"} and instruments["HMS"] <= {"LSCMI"}
    assert instruments["WOR"] <= {"LSIRSV"}


def test_jms_lsi_r_sv_total_is_the_number_of_flags(generated_delivery: Path) -> None:
    assessments = _landing(generated_delivery, "jms/assessments.csv")
    flags = assessments.columns[assessments.columns.get_loc("alcohol_drug") :]
    counted = (assessments[flags] == "T").sum(axis=1)
    numeric = assessments.total_score.str.isdigit()
    assert numeric.mean() > 0.99
    assert (assessments.total_score[numeric].astype(int) == counted[numeric]).all()


def test_oras_csst_has_4_items_before_2019_and_9_after(generated_delivery: Path) -> None:
    oras = _landing(generated_delivery, "probation/ORAS_ASSESSMENT.csv")
    csst = oras[(oras.INSTRUMENT == "CSST") & oras.ASSESSMENT_DATE.str.match(r"^\d\d/\d\d/\d{4}$")]
    year = csst.ASSESSMENT_DATE.str[-4:]
    assert set(csst.ITEM_COUNT[year < "2019"]) == {"4"}
    assert set(csst.ITEM_COUNT[year >= "2019"]) == {"9"}


def test_compas_needs_only_for_medium_or_high_risk(generated_delivery: Path) -> None:
    compas = _landing(generated_delivery, "ims/IMS_COMPAS.csv")
    has_needs = compas.SUBST_ABUSE != ""
    assert set(compas.RISK_LEVEL[has_needs]) - {"MEDIUM", "HIGH"} <= INJECTED_CODES
    assert (compas.RISK_LEVEL == "LOW").any() and not has_needs[compas.RISK_LEVEL == "LOW"].any()


def test_every_excluded_population_is_present(generated_delivery: Path) -> None:
    intervals = pd.read_parquet(generated_delivery / "truth/custody_intervals.parquet")
    reasons = set(intervals.exclusion_reason.dropna())
    assert reasons == {"juvenile", "civil_commitment", "federal", "interstate_compact", "safe_keep"}
    statuses = _landing(generated_delivery, "oms/CustodyStatus.csv")
    assert (statuses.CustodyStatus == "SK").any()


def test_pretrial_becomes_sentenced_in_the_same_booking_without_a_break(generated_delivery: Path) -> None:
    statuses = _landing(generated_delivery, "oms/CustodyStatus.csv")
    statuses = statuses[statuses.StartDate.str.match(r"^\d\d/\d\d/\d{4}$")]
    start = pd.to_datetime(statuses.StartDate, format="%m/%d/%Y", errors="coerce")
    end = pd.to_datetime(statuses.EndDate, format="%m/%d/%Y", errors="coerce")
    frame = statuses.assign(start=start, end=end)
    pre = frame[frame.CustodyStatus == "PRE"][["BookingId", "end"]]
    sen = frame[frame.CustodyStatus == "SEN"][["BookingId", "start"]]
    both = pre.merge(sen, on="BookingId")
    assert len(both) > 10
    assert ((both.start - both.end).dt.days == 1).mean() > 0.95


def test_county_to_doc_and_doc_to_county_transfers_happen(generated_delivery: Path) -> None:
    bookings = _landing(generated_delivery, "oms/Booking.csv")
    commitments = _landing(generated_delivery, "jms/commitments.csv")
    admissions = _landing(generated_delivery, "ims/IMS_ADMISSION.csv")
    assert (bookings.ReleaseReason == "TRANSDOC").any() and (commitments.release_reason == "TDC").any()
    assert (admissions.RELEASE_TYPE_CD == "TRC").any()
    assert (bookings.BookingReason == "TRANSIN").any() or (commitments.commit_reason == "TRJ").any()


def test_nantucket_defendants_are_held_by_barnstable(generated_delivery: Path) -> None:
    charges = _landing(generated_delivery, "oms/Charge.csv")
    bookings = _landing(generated_delivery, "oms/Booking.csv")[["BookingId", "SiteCode"]]
    nantucket = charges[charges.DocketNumber.str[2:4].isin(["88", "75"])].merge(bookings, on="BookingId")
    jms = _landing(generated_delivery, "jms/charges.csv")
    assert not jms.docket_no.str[2:4].isin(["88", "75"]).any()
    assert set(nantucket.SiteCode) - INJECTED_CODES == {"BAR"}


def test_race_is_recorded_the_way_each_system_records_it(generated_delivery: Path) -> None:
    oms = _landing(generated_delivery, "oms/Inmate.csv")
    jms = _landing(generated_delivery, "jms/inmates.csv")
    ims = _landing(generated_delivery, "ims/IMS_OFFENDER.csv")
    assert {"H", "M"} <= set(oms.Race) and {"HIS", "MUL"} <= set(jms.race_code)
    assert "MR" in set(ims.RACE_CD) and set(ims.RACE_CD) & {"1", "2", "3", "4", "8", "9"}


def test_every_landing_row_links_to_a_person(generated_delivery: Path, contract) -> None:
    links = pd.read_parquet(generated_delivery / "truth/record_links.parquet")
    persons = pd.read_parquet(generated_delivery / "truth/persons.parquet")
    assert set(links.person_id) <= set(persons.person_id)
    for landing_file in contract.files:
        keys = _landing(generated_delivery, landing_file.relative_path)[landing_file.primary_key]
        linked = links[(links.system == landing_file.system) & (links.file == landing_file.file_name)]
        assert set(keys) == set(linked.record_id), landing_file.relative_path
