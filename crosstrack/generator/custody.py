"""Custodial extracts: IMS (DOC) and the Sheriffs' OMS and JMS, built from the simulated stays and statuses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crosstrack.contract import Contract
from crosstrack.generator.config import (
    BRISTOL_ASSESSMENT_START,
    DOC,
    DOC_FACILITIES,
    DOC_FEMALE_FACILITY,
    IMS_MIGRATION_DATE,
    SHERIFFS,
)
from crosstrack.generator.courts import Dockets
from crosstrack.generator.frames import NA_DAY, Frame, choice, day, group_rank, lognormal_days, take
from crosstrack.generator.lifecourse import World
from crosstrack.generator.values import (
    FLAG_NA,
    NA_INT,
    NA_TS,
    flag,
    ident,
    ident_join,
    int_or_na,
    lookup,
    map_codes,
    to_timestamp,
)


@dataclass
class CustodyRefs:
    """Where each stay landed: its record id in its system (for parole's custody reference and the truth)."""

    stay_id: np.ndarray
    system: np.ndarray
    file: np.ndarray
    record_id: pa.Array
    status_stay_id: np.ndarray
    status_file: np.ndarray
    status_record_id: pa.Array
    commit_no_of_person: dict[int, str]


def _person_agency_ids(person: np.ndarray, agency: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: sequence number of (person, agency) within the agency, in order of first appearance."""
    key = person.astype(np.int64) * 100 + agency
    order = np.lexsort((key, start))
    uniq, first = np.unique(key[order], return_index=True)
    first_order = np.argsort(first, kind="stable")
    uniq_agency = uniq % 100
    seq_sorted = group_rank(uniq_agency[first_order]) + 1
    seq = np.empty(len(uniq), dtype=np.int64)
    seq[first_order] = seq_sorted
    pos = np.searchsorted(uniq, key)
    first_start = start[order][first]
    return seq[pos], first_start[pos]


def _self_reports(rng: np.random.Generator, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R-SELF-1: reproductive health (assigned female only) and primary caretaker, canonical Y/N/R/X."""
    n = len(female)
    repro = np.where(female, choice(rng, ["Y", "N", "R", "X", ""], [5, 78, 5, 4, 8], n), "")
    caretaker = choice(rng, ["Y", "N", "R", "X", ""], [28, 55, 5, 4, 8], n)
    return repro, caretaker


def _first_status(statuses: Frame, stay_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((statuses["start"], statuses["stay_id"]))
    sid_sorted = statuses["stay_id"][order]
    uniq, first = np.unique(sid_sorted, return_index=True)
    pos = np.clip(np.searchsorted(uniq, stay_ids), 0, max(len(uniq) - 1, 0))
    found = uniq[pos] == stay_ids
    status = np.where(found, statuses["status"][order][first][pos], "")
    facility = np.where(found, statuses["facility"][order][first][pos], "")
    return status, facility


def _programs(rng: np.random.Generator, start: np.ndarray, end: np.ndarray, as_of: int) -> Frame:
    """Program enrollments during stays of three weeks or more (row index into the stays given)."""
    effective_end = np.where(end == NA_DAY, as_of, end)
    length = effective_end - start
    n_prog = np.where(length >= 21, rng.poisson(np.minimum(length, 1100) / 150.0), 0)
    rows = np.repeat(np.arange(len(start)), n_prog)
    enroll = start[rows] + 1 + np.floor(rng.random(rows.size) * np.maximum(1, length[rows] - 1)).astype(np.int64)
    planned_exit = enroll + lognormal_days(rng, 60, 0.6, rows.size)
    left_early = planned_exit > effective_end[rows]
    exit_day = np.minimum(planned_exit, effective_end[rows])
    ongoing = exit_day >= as_of
    completed = ~left_early & ~ongoing & (rng.random(rows.size) < 0.7)
    outcome = np.where(ongoing, "E", np.where(completed, "C", np.where(rng.random(rows.size) < 0.75, "I", "W")))
    return {
        "row": rows,
        "enrollment_date": enroll,
        "exit_date": np.where(ongoing, NA_DAY, exit_day),
        "completed": completed,
        "ongoing": ongoing,
        "outcome": outcome,
    }


def _program_codes(rng: np.random.Generator, contract: Contract, system: str, n: int) -> np.ndarray:
    codes = list(contract.system(system).code_sets["program"])
    return np.asarray(codes)[rng.integers(0, len(codes), n)]


def _risk_draw(rng: np.random.Generator, risk: np.ndarray) -> np.ndarray:
    """A noisy reading of the person's latent risk (assessment instruments agree only roughly)."""
    return risk * np.exp(0.35 * rng.standard_normal(len(risk)))


def _level(value: np.ndarray, cuts: list[float], labels: list[str]) -> np.ndarray:
    return np.asarray(labels)[np.searchsorted(np.asarray(cuts), value, side="right")]


def _identity_frame(people: Frame, who: np.ndarray, system: str, created: np.ndarray) -> Frame:
    race_source = people["race_entered"] if system in ("oms", "jms") else people["race"]
    race = map_codes("race", system, race_source[who])
    if system == "ims":
        legacy = created < day(IMS_MIGRATION_DATE)
        race = np.where(legacy, map_codes("race", "ims_legacy", people["race"][who]), race)
    return {
        "sid": people["sid_text"][who],
        "last_name": people["last_name"][who],
        "first_name": people["first_name"][who],
        "birth_date": people["birth_date"][who],
        "assigned_sex_code": map_codes("sex", system, people["sex"][who]),
        "race_code": race,
        "ethnicity_code": map_codes("ethnicity", system, people["ethnicity"][who]),
    }


def _gender_codes(contract: Contract, system: str, canonical: np.ndarray) -> np.ndarray:
    """Gender identity: canonical values are IMS codes; other systems' codes are found by the same label."""
    ims_labels = contract.system("ims").code_sets["gender_identity"]
    target = {label: code for code, label in contract.system(system).code_sets["gender_identity"].items()}
    table = {code: target[label] for code, label in ims_labels.items()}
    return lookup(table, canonical)


# ------------------------------------------------------------------------------------------------------------
def ims_files(
    world: World, dockets: Dockets, people: Frame, rng: np.random.Generator, contract: Contract, as_of: int
) -> tuple[dict[str, Frame], Frame]:
    st = world.stays
    doc = take(st, np.flatnonzero(st["agency"] == DOC))
    order = np.lexsort((doc["stay_id"], doc["start"]))
    doc = take(doc, order)
    n = len(doc["stay_id"])
    who = doc["person_id"] - 1
    seq, first_start = _person_agency_ids(doc["person_id"], np.zeros(n, dtype=np.int64), doc["start"])
    commit_no = ident("W", seq + 10000, 6)
    admission_id = ident("A", np.arange(1, n + 1), 9)
    female = people["sex"][who] == "F"
    repro, caretaker = _self_reports(rng, female)

    uniq_people, first_row = np.unique(doc["person_id"], return_index=True)
    offender = _identity_frame(people, uniq_people - 1, "ims", first_start[first_row])
    offender.update(
        {
            "ims_offender_id": commit_no.take(pa.array(first_row)),
            "gender_identity_code": people["gender_identity"][uniq_people - 1],
            "_person_id": uniq_people,
            "_created": first_start[first_row],
        }
    )
    admission = {
        "ims_admission_id": admission_id,
        "ims_offender_id": commit_no,
        "admission_date": doc["start"],
        "admission_type_code": map_codes("admission_type", "ims", doc["admission"]),
        "release_date": doc["end"],
        "release_type_code": map_codes("release_type", "ims", doc["release"]),
        "reproductive_health_code": map_codes("self_report", "ims", repro),
        "primary_caretaker_code": map_codes("self_report", "ims", caretaker),
        "_person_id": doc["person_id"],
        "_created": doc["start"],
    }
    # statuses
    ss = world.statuses
    s_rows = np.flatnonzero(np.isin(ss["stay_id"], doc["stay_id"]))
    stay_pos = _positions(doc["stay_id"], ss["stay_id"][s_rows])
    order = np.lexsort((ss["start"][s_rows], stay_pos))
    s_rows, stay_pos = s_rows[order], stay_pos[order]
    status_ids = ident("S", np.arange(1, s_rows.size + 1), 9)
    status = {
        "ims_status_id": status_ids,
        "ims_admission_id": admission_id.take(pa.array(stay_pos)),
        "offender_status_code": map_codes("offender_status", "ims", ss["status"][s_rows]),
        "status_start_date": ss["start"][s_rows],
        "status_end_date": ss["end"][s_rows],
        "_person_id": doc["person_id"][stay_pos],
        "_created": ss["start"][s_rows],
    }
    placement = _placements(doc, people, rng, admission_id, as_of)
    sentence, charge = _sentences(doc, dockets, admission_id)
    programs = _programs(rng, doc["start"], doc["end"], as_of)
    prow = programs["row"]
    program = {
        "ims_enrollment_id": ident("E", np.arange(1, prow.size + 1), 9),
        "ims_offender_id": commit_no.take(pa.array(prow)),
        "program_code": _program_codes(rng, contract, "ims", prow.size),
        "enrollment_date": programs["enrollment_date"],
        "exit_date": programs["exit_date"],
        "program_outcome_code": programs["outcome"],
        "_person_id": doc["person_id"][prow],
        "_created": programs["enrollment_date"],
    }
    compas = _compas(doc, people, rng, commit_no, as_of)
    files = {
        "offenders": offender,
        "admissions": admission,
        "placements": placement,
        "statuses": status,
        "sentences": sentence,
        "charges": charge,
        "program_enrollments": program,
        "compas_assessments": compas,
    }
    refs = {
        "stay_id": doc["stay_id"],
        "record_id": admission_id,
        "status_rows": s_rows,
        "status_record_id": status_ids,
        "commit_no": commit_no,
        "person_id": doc["person_id"],
    }
    return files, refs


def _positions(sorted_or_not_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row positions of `wanted` ids in an id array (any order)."""
    order = np.argsort(sorted_or_not_ids, kind="stable")
    return order[np.searchsorted(sorted_or_not_ids[order], wanted)]


def _placements(doc: Frame, people: Frame, rng: np.random.Generator, admission_id: pa.Array, as_of: int) -> Frame:
    """DOC facility placements: step-down through security levels over a long stay."""
    n = len(doc["stay_id"])
    end_eff = np.where(doc["end"] == NA_DAY, as_of, doc["end"])
    length = end_eff - doc["start"]
    n_pl = 1 + (length > 400) + (length > 1500)
    rows = np.repeat(np.arange(n), n_pl)
    k = group_rank(rows)
    total = n_pl[rows]
    start = doc["start"][rows] + (length[rows] * k) // total
    next_start = doc["start"][rows] + (length[rows] * (k + 1)) // total
    is_last = k == total - 1
    end = np.where(is_last, doc["end"][rows], next_start)
    # security ladder MAX -> MED -> MIN -> PRE: each later placement one step lower
    first_rung = rng.choice(3, size=n, p=[0.18, 0.72, 0.10])
    level_no = np.minimum(3, first_rung[rows] + k)
    level = np.array(["MAX", "MED", "MIN", "PRE"])[level_no]
    facility = np.empty(rows.size, dtype="<U20")
    for name, options in DOC_FACILITIES.items():
        mask = level == name
        facility[mask] = np.asarray(options)[rng.integers(0, len(options), mask.sum())]
    female = people["sex"][doc["person_id"][rows] - 1] == "F"
    facility[female & (level != "PRE")] = DOC_FEMALE_FACILITY
    return {
        "ims_placement_id": ident("P", np.arange(1, rows.size + 1), 9),
        "ims_admission_id": admission_id.take(pa.array(rows)),
        "facility_code": facility,
        "security_level_code": level,
        "placement_start_date": start,
        "placement_end_date": end,
        "_person_id": doc["person_id"][rows],
        "_created": start,
    }


def _sentences(doc: Frame, dockets: Dockets, admission_id: pa.Array) -> tuple[Frame, Frame]:
    """IMS sentences (one per DOC commitment) and the convicted charges they were imposed on."""
    ep = dockets.episodes
    rows = np.flatnonzero(doc["kind"] == "doc")
    epos = np.searchsorted(ep["episode_id"], doc["episode_id"][rows])
    sentence_ids = ident("SN", np.arange(1, rows.size + 1), 9)
    life = ep["life"][epos]
    sentence = {
        "ims_sentence_id": sentence_ids,
        "ims_admission_id": admission_id.take(pa.array(rows)),
        "docket_number": ep["docket_number"].take(pa.array(epos)),
        "court_code": ep["court_code"][epos],
        "sentence_date": ep["disposition"][epos],
        "min_term_days": int_or_na(ep["doc_min_days"][epos], ~life),
        "max_term_days": int_or_na(ep["sentence_days"][epos], ~life),
        "is_life_sentence": flag(life),
        "_person_id": doc["person_id"][rows],
        "_created": ep["disposition"][epos],
    }
    ch = dockets.charges
    sent_episode = ep["episode_id"][epos]
    c_rows = np.flatnonzero(np.isin(ch["episode_id"], sent_episode) & ch["convicted"])
    spos = _positions(sent_episode, ch["episode_id"][c_rows])
    citation = np.where(ch["amended"][c_rows] != "", ch["amended"][c_rows], ch["citation"][c_rows])
    charge = {
        "ims_charge_id": ident("CH", np.arange(1, c_rows.size + 1), 9),
        "ims_sentence_id": sentence_ids.take(pa.array(spos)),
        "docket_number": ep["docket_number"].take(pa.array(epos[spos])),
        "charge_number": ch["charge_no"][c_rows],
        "statute_citation": citation,
        "is_governing_offense": flag(ch["is_lead"][c_rows]),  # R-CHG-2: DOC's governing offense flag
        "_person_id": ch["person_id"][c_rows],
        "_created": ep["disposition"][epos[spos]],
    }
    return sentence, charge


def _compas(doc: Frame, people: Frame, rng: np.random.Generator, commit_no: pa.Array, as_of: int) -> Frame:
    """COMPAS at intake for sentenced stays, yearly re-assessments; needs only for medium/high (R-RISK-4)."""
    end_eff = np.where(doc["end"] == NA_DAY, as_of, doc["end"])
    eligible = np.isin(doc["kind"], ["doc"]) & ~doc["life"] & (end_eff - doc["start"] > 90)
    eligible |= (doc["kind"] == "violator") & (end_eff - doc["start"] > 120) & (rng.random(len(eligible)) < 0.3)
    assessed = eligible & (rng.random(len(eligible)) < 0.75)
    n_assess = np.where(assessed, 1 + np.minimum((end_eff - doc["start"]) // 400, 3), 0)
    rows = np.repeat(np.arange(len(eligible)), n_assess)
    k = group_rank(rows)
    date = doc["start"][rows] + rng.integers(20, 90, rows.size) + 400 * k
    keep = (date <= end_eff[rows]) & (date <= as_of)
    rows, date = rows[keep], date[keep]
    who = doc["person_id"][rows] - 1
    female = people["sex"][who] == "F"
    level = _level(_risk_draw(rng, people["risk"][who]), [0.7, 1.35], ["LOW", "MEDIUM", "HIGH"])
    needs = level != "LOW"
    m = rows.size

    def need(applies: np.ndarray) -> np.ndarray:
        return np.where(needs & applies, choice(rng, ["LOW", "MEDIUM", "HIGH"], [35, 40, 25], m), "")

    return {
        "ims_assessment_id": ident("CA", np.arange(1, m + 1), 9),
        "ims_offender_id": commit_no.take(pa.array(rows)),
        "assessment_date": date,
        "risk_level_code": level,
        "need_anger_code": need(~female),
        "need_criminal_thinking_code": need(~female),
        "need_substance_abuse_code": need(np.ones(m, dtype=bool)),
        "need_vocational_code": need(np.ones(m, dtype=bool)),
        "need_negative_social_cognition_code": need(female),
        "need_parental_stress_code": need(female),
        "need_reentry_housing_code": need(female),
        "need_relationship_dysfunction_code": need(female),
        "identified_academic_code": np.where(needs, np.where(rng.random(m) < 0.4, "Y", "N"), ""),
        "identified_sex_offender_code": np.where(needs, np.where(rng.random(m) < 0.06, "Y", "N"), ""),
        "_person_id": doc["person_id"][rows],
        "_created": date,
    }


# ------------------------------------------------------------------------------------------------------------
COUNTY_NAMES = {
    "oms": {
        "person_ref": "oms_inmate_id",
        "site": "site_code",
        "stay_ref": "oms_booking_id",
        "status_ref": "oms_status_id",
        "charge_ref": "oms_charge_id",
        "enrollment_ref": "oms_enrollment_id",
        "assessment_ref": "oms_assessment_id",
        "admit": "booking_date",
        "admit_reason": "booking_reason_code",
        "release": "release_date",
        "status_code": "custody_status_code",
        "status_start": "status_start_date",
        "status_end": "status_end_date",
    },
    "jms": {
        "person_ref": "jms_person_id",
        "site": "agency_code",
        "stay_ref": "jms_commitment_id",
        "status_ref": "jms_status_history_id",
        "charge_ref": "jms_charge_id",
        "enrollment_ref": "jms_enrollment_id",
        "assessment_ref": "jms_assessment_id",
        "admit": "commitment_at",
        "admit_reason": "commit_reason_code",
        "release": "release_at",
        "status_code": "status_code",
        "status_start": "status_start_at",
        "status_end": "status_end_at",
    },
}


def _rename(frame: Frame, system: str) -> Frame:
    names = COUNTY_NAMES[system]
    return {names.get(k, k): v for k, v in frame.items()}


def county_files(
    system: str,
    world: World,
    dockets: Dockets,
    people: Frame,
    rng: np.random.Generator,
    contract: Contract,
    as_of: int,
) -> tuple[dict[str, Frame], dict]:
    """OMS or JMS files for the Sheriffs' Offices that run `system`."""
    offices = [i + 1 for i, s in enumerate(SHERIFFS) if s.system == system]
    st = world.stays
    stays = take(st, np.flatnonzero(np.isin(st["agency"], offices)))
    stays = take(stays, np.lexsort((stays["stay_id"], stays["start"])))
    n = len(stays["stay_id"])
    who = stays["person_id"] - 1
    site_codes = np.array([""] + [s.site_code for s in SHERIFFS])
    site = site_codes[stays["agency"]]
    seq, first_start = _person_agency_ids(stays["person_id"], stays["agency"], stays["start"])
    if system == "oms":
        person_ref = ident_with_site(site, seq, 7, "")
        stay_ref = ident("BK", np.arange(1, n + 1), 9)
    else:
        person_ref = ident_with_site(site, seq, 7, "-")
        stay_ref = ident("C", np.arange(1, n + 1), 10)
    timestamps = system == "jms"
    admit_ts = to_timestamp(stays["start"], rng) if timestamps else stays["start"]
    release_ts = to_timestamp(stays["end"], rng) if timestamps else stays["end"]
    if timestamps:  # a same-day release is later in the day than the admission
        same_day = (stays["end"] == stays["start"]) & (release_ts != NA_TS) & (release_ts < admit_ts)
        release_ts = np.where(same_day, admit_ts + 3600, release_ts)

    # inmates: one per person and office
    key = stays["person_id"] * 100 + stays["agency"]
    _, first_row = np.unique(key, return_index=True)
    first_row = first_row[np.argsort(stays["agency"][first_row] * 10**12 + seq[first_row], kind="stable")]
    inmates = _identity_frame(people, who[first_row], system, first_start[first_row])
    inmates.update(
        {
            "person_ref": person_ref.take(pa.array(first_row)),
            "site": site[first_row],
            "gender_identity_code": _gender_codes(contract, system, people["gender_identity"][who[first_row]]),
            "_person_id": stays["person_id"][first_row],
            "_created": first_start[first_row],
        }
    )
    _, first_facility = _first_status(world.statuses, stays["stay_id"])
    repro, caretaker = _self_reports(rng, people["sex"][who] == "F")
    bookings = {
        "stay_ref": stay_ref,
        "person_ref": person_ref,
        "site": site,
        "facility_type_code": map_codes("facility_type", system, first_facility),
        "admit": admit_ts,
        "admit_reason": map_codes("admission_type", system, stays["admission"]),
        "release": release_ts,
        "release_reason_code": map_codes("release_type", system, stays["release"]),
        "reproductive_health_code": map_codes("self_report", system, repro),
        "primary_caretaker_code": map_codes("self_report", system, caretaker),
        "_person_id": stays["person_id"],
        "_created": stays["start"],
    }

    ss = world.statuses
    s_rows = np.flatnonzero(np.isin(ss["stay_id"], stays["stay_id"]))
    stay_pos = _positions(stays["stay_id"], ss["stay_id"][s_rows])
    order = np.lexsort((ss["start"][s_rows], stay_pos))
    s_rows, stay_pos = s_rows[order], stay_pos[order]
    status_ref = ident("SH" if timestamps else "ST", np.arange(1, s_rows.size + 1), 10)
    s_start = ss["start"][s_rows]
    s_end = ss["end"][s_rows]
    if timestamps:
        first_of_stay = np.r_[True, stay_pos[1:] != stay_pos[:-1]]
        # a status change is instantaneous: the old status ends at 23:59:59, the new one starts at midnight
        s_start_ts = np.where(first_of_stay, admit_ts[stay_pos], s_start * 86400)
        last_of_stay = np.r_[stay_pos[1:] != stay_pos[:-1], True]
        s_end_ts = np.where(s_end == NA_DAY, NA_TS, np.where(last_of_stay, release_ts[stay_pos], s_end * 86400 + 86399))
        s_start_ts = np.minimum(s_start_ts, np.where(s_end_ts == NA_TS, s_start_ts, s_end_ts))
        s_start, s_end = s_start_ts, s_end_ts
    statuses = {
        "status_ref": status_ref,
        "stay_ref": stay_ref.take(pa.array(stay_pos)),
        "status_code": map_codes("offender_status", system, ss["status"][s_rows]),
        "facility_type_code": map_codes(
            "facility_type", system, np.where(ss["facility"][s_rows] == "", "JAIL", ss["facility"][s_rows])
        ),
        "status_start": s_start,
        "status_end": s_end,
        "_person_id": stays["person_id"][stay_pos],
        "_created": ss["start"][s_rows],
    }
    charges = _county_charges(stays, world.statuses, dockets, stay_ref)
    programs = _programs(rng, stays["start"], stays["end"], as_of)
    prow = programs["row"]
    enrollments = {
        "enrollment_ref": ident("PE", np.arange(1, prow.size + 1), 10),
        "stay_ref": stay_ref.take(pa.array(prow)),
        "program_code": _program_codes(rng, contract, system, prow.size),
        "enrollment_date": programs["enrollment_date"],
        "exit_date": programs["exit_date"],
        "is_completed": flag(programs["completed"], ~programs["ongoing"]),
        "_person_id": stays["person_id"][prow],
        "_created": programs["enrollment_date"],
    }
    assessments = _county_assessments(system, stays, world.statuses, people, rng, person_ref, as_of)
    files = {
        "inmates": _rename(inmates, system),
        "bookings" if system == "oms" else "commitments": _rename(bookings, system),
        "custody_statuses" if system == "oms" else "status_history": _rename(statuses, system),
        "charges": _rename(charges, system),
        "program_enrollments": _rename(enrollments, system),
        "assessments": _rename(assessments, system),
    }
    refs = {
        "stay_id": stays["stay_id"],
        "record_id": stay_ref,
        "status_rows": s_rows,
        "status_record_id": status_ref,
        "person_id": stays["person_id"],
    }
    return files, refs


def ident_with_site(site: np.ndarray, seq: np.ndarray, width: int, separator: str) -> pa.Array:
    return ident_join([pa.array(site), ident("", seq, width)], separator)


def _county_charges(stays: Frame, statuses: Frame, dockets: Dockets, stay_ref: pa.Array) -> Frame:
    """Every charge of the docket a stay is held on; the sentenced flag where the stay includes the sentence. A
    probationer held on a new arrest is also held on the docket whose probation the arrest revoked (R-CHG-5)."""
    ch = dockets.charges
    with_docket = np.flatnonzero(stays["episode_id"] >= 0)
    ep_ids = stays["episode_id"][with_docket]
    rev = dockets.revocations
    by_id = np.argsort(stays["stay_id"], kind="stable")
    found = np.clip(np.searchsorted(stays["stay_id"][by_id], rev["stay_id"]), 0, max(by_id.size - 1, 0))
    spos = by_id[found] if by_id.size else found
    held_on = np.zeros(rev["stay_id"].size, dtype=bool)
    if by_id.size:
        held_on = (stays["stay_id"][spos] == rev["stay_id"]) & (stays["episode_id"][spos] != rev["episode_id"])
    with_docket = np.concatenate([with_docket, spos[held_on]])
    ep_ids = np.concatenate([ep_ids, rev["episode_id"][held_on]])
    revoked_docket = np.arange(with_docket.size) >= with_docket.size - int(held_on.sum())
    order = np.argsort(ch["episode_id"], kind="stable")
    ch_ep_sorted = ch["episode_id"][order]
    lo = np.searchsorted(ch_ep_sorted, ep_ids, side="left")
    hi = np.searchsorted(ch_ep_sorted, ep_ids, side="right")
    count = hi - lo
    stay_rows = np.repeat(with_docket, count)
    own_docket = ~np.repeat(revoked_docket, count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    c_rows = order[np.repeat(lo, count) + offset]
    sen_stays = np.unique(statuses["stay_id"][statuses["status"] == "SEN"])
    stay_has_sentence = np.isin(stays["stay_id"][stay_rows], sen_stays) & np.isin(
        stays["kind"][stay_rows], ["hold", "sentence", "stepdown"]
    )
    stay_has_sentence &= own_docket
    amended_before = (ch["amended"][c_rows] != "") & (ch["amended_date"][c_rows] <= stays["start"][stay_rows])
    citation = np.where(amended_before, ch["amended"][c_rows], ch["citation"][c_rows])
    ep = dockets.episodes
    epos = np.searchsorted(ep["episode_id"], ch["episode_id"][c_rows])
    return {
        "charge_ref": ident("CG", np.arange(1, c_rows.size + 1), 10),
        "stay_ref": stay_ref.take(pa.array(stay_rows)),
        "docket_number": ep["docket_number"].take(pa.array(epos)),
        "charge_number": ch["charge_no"][c_rows],
        "statute_citation": citation,
        "is_sentenced_charge": flag(ch["incarcerated"][c_rows] & stay_has_sentence),
        "_person_id": stays["person_id"][stay_rows],
        "_created": stays["start"][stay_rows],
    }


def _county_assessments(
    system: str, stays: Frame, statuses: Frame, people: Frame, rng: np.random.Generator, person_ref, as_of: int
) -> Frame:
    """Risk screens by each office's instrument (R-RISK-1); many people are never assessed (R-RISK-4)."""
    end_eff = np.where(stays["end"] == NA_DAY, as_of, stays["end"])
    length = end_eff - stays["start"]
    sen_stays = np.unique(statuses["stay_id"][statuses["status"] == "SEN"])
    sentenced = np.isin(stays["stay_id"], sen_stays)
    p = np.where(sentenced & (length >= 30), 0.6, np.where(length >= 14, 0.1, 0.0))
    rows = np.flatnonzero(rng.random(len(p)) < p)
    date = stays["start"][rows] + rng.integers(3, 30, rows.size)
    office = stays["agency"][rows] - 1
    instrument = np.array([s.instrument or "" for s in SHERIFFS])[office]
    bristol = np.array([s.county == "Bristol" for s in SHERIFFS])[office]
    instrument = np.where(bristol & (date >= day(BRISTOL_ASSESSMENT_START)), "lsirsv", instrument)
    keep = (date <= end_eff[rows]) & (date <= as_of) & (instrument != "")
    rows, date, instrument = rows[keep], date[keep], instrument[keep]
    m = rows.size
    who = stays["person_id"][rows] - 1
    risk = _risk_draw(rng, people["risk"][who])
    flags = rng.random((8, m)) < np.clip(0.12 + 0.28 * risk, 0.03, 0.92)
    total = flags.sum(axis=0)
    is_lsi = instrument == "lsirsv"
    frame: Frame = {
        "assessment_ref": ident("AS", np.arange(1, m + 1), 10),
        "person_ref": person_ref.take(pa.array(rows)),
        "assessment_date": date,
    }
    flag_names = [
        "has_alcohol_drug_flag",
        "has_attitude_orientation_flag",
        "has_criminal_friends_flag",
        "has_criminal_history_flag",
        "has_juvenile_history_flag",
        "has_non_rewarding_parent_flag",
        "has_psych_assessment_flag",
        "has_unemployed_flag",
    ]
    if system == "jms":
        frame["instrument_name"] = np.full(m, "LSI-R-SV")
        frame["total_score"] = total.astype(np.int64)  # R-RISK-2: JMS LSI-R-SV 0-8
    else:
        code = {"lsirsv": "LSIRSV", "oras": "ORAS", "orapit": "ORASPIT", "lscmi": "LSCMI"}
        frame["instrument_code"] = lookup(code, instrument)
        lsi_code = 1 + (total >= 3) + (total >= 5) + (total >= 7)  # OMS LSI-R-SV code 1-4
        pit = np.where(rng.random(m) < 0.05, 0, 1 + np.searchsorted([0.6, 1.1, 1.7], risk))  # ORAS-PIT 0-4
        score = np.where(is_lsi, lsi_code, np.where(instrument == "orapit", pit, NA_INT))
        frame["score_code"] = score.astype(np.int64)
        oras = _level(risk, [0.7, 1.2, 1.9], ["LOW", "MODERATE", "HIGH", "VERYHIGH"])
        lscmi = _level(risk, [0.4, 0.8, 1.3, 1.9], ["VERYLOW", "LOW", "MEDIUM", "HIGH", "VERYHIGH"])
        frame["risk_level_code"] = np.where(instrument == "oras", oras, np.where(instrument == "lscmi", lscmi, ""))
    for i, name in enumerate(flag_names):
        frame[name] = np.where(is_lsi, flags[i].astype(np.int8), FLAG_NA).astype(np.int8)
    frame["_person_id"] = stays["person_id"][rows]
    frame["_created"] = date
    return frame
