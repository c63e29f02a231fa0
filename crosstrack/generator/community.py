"""Community supervision extracts: the Parole Board and the Probation Service."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from crosstrack.contract import Contract
from crosstrack.generator.config import CSST_9_ITEM_DATE
from crosstrack.generator.courts import Dockets
from crosstrack.generator.frames import Frame, choice, day, take
from crosstrack.generator.lifecourse import World
from crosstrack.generator.values import ident, int_or_na, map_codes


def _person_frame(people: Frame, person_ids: np.ndarray, system: str, created: np.ndarray) -> Frame:
    who = person_ids - 1
    return {
        "sid": people["sid_text"][who],
        "last_name": people["last_name"][who],
        "first_name": people["first_name"][who],
        "birth_date": people["birth_date"][who],
        "assigned_sex_code": map_codes("sex", system, people["sex"][who]),
        "race_code": map_codes("race", system, people["race"][who]),
        "ethnicity_code": map_codes("ethnicity", system, people["ethnicity"][who]),
        "_person_id": person_ids,
        "_created": created,
    }


def _people_in(sup: Frame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique people in supervision order, their first start, and each period's person position."""
    order = np.lexsort((sup["person_id"], sup["start"]))
    uniq, first = np.unique(sup["person_id"][order], return_index=True)
    by_first = np.argsort(first, kind="stable")
    people_ordered = uniq[by_first]
    first_start = sup["start"][order][first][by_first]
    rank_of_uniq = np.empty(len(uniq), dtype=np.int64)
    rank_of_uniq[by_first] = np.arange(len(uniq))
    pos = rank_of_uniq[np.searchsorted(uniq, sup["person_id"])]
    return people_ordered, first_start, pos


def parole_files(
    world: World, people: Frame, rng: np.random.Generator, custody_ref: dict[int, pa.Array], as_of: int
) -> dict[str, Frame]:
    sp = world.supervisions
    sup = take(sp, np.flatnonzero(sp["kind"] == "parole"))
    sup = take(sup, np.lexsort((sup["supervision_id"], sup["start"])))
    n = len(sup["supervision_id"])
    persons, first_start, pos = _people_in(sup)
    parolee_ids = ident("P", np.arange(1, len(persons) + 1) + 100000, 7)
    parolees = _person_frame(people, persons, "parole", first_start)
    parolees["parolee_id"] = parolee_ids
    sup_ids = ident("PS", np.arange(1, n + 1), 8)
    reason = np.where(
        (sup["end_reason"] == "DIS") & (rng.random(n) < 0.04),
        choice(rng, ["ABS", "DEC", "TRF"], [6, 2, 2], n),
        sup["end_reason"],
    )
    supervision = {
        "parole_supervision_id": sup_ids,
        "parolee_id": parolee_ids.take(pa.array(pos)),
        "custody_reference": _custody_reference(sup, custody_ref),
        "supervision_start_date": sup["start"],
        "supervision_end_date": sup["end"],
        "supervision_end_code": reason,
        "_person_id": sup["person_id"],
        "_created": sup["start"],
    }
    vi = world.violations
    v_rows = np.flatnonzero(np.isin(vi["supervision_id"], sup["supervision_id"]))
    v_rows = v_rows[np.lexsort((vi["supervision_id"][v_rows], vi["violation_date"][v_rows]))]
    vpos = np.searchsorted(
        sup["supervision_id"], vi["supervision_id"][v_rows], sorter=np.argsort(sup["supervision_id"])
    )
    vpos = np.argsort(sup["supervision_id"])[vpos]
    violations = {
        "parole_violation_id": ident("PV", np.arange(1, v_rows.size + 1), 8),
        "parole_supervision_id": sup_ids.take(pa.array(vpos)),
        "violation_date": vi["violation_date"][v_rows],
        "violation_type_code": vi["violation_type"][v_rows],
        "violation_outcome_code": vi["outcome"][v_rows],
        "_person_id": sup["person_id"][vpos],
        "_created": vi["violation_date"][v_rows],
    }
    return {
        "parolees": parolees,
        "supervision_periods": supervision,
        "violations": violations,
        "lscmi_assessments": _lscmi(sup, people, rng, parolee_ids, pos, as_of),
    }


def _custody_reference(sup: Frame, custody_ref: dict[int, pa.Array]) -> pa.Array:
    """DOC commitment number or the Sheriff's booking number the parole is from."""
    stay_ids, refs = custody_ref["stay_id"], custody_ref["ref"]
    order = np.argsort(stay_ids)
    pos = np.searchsorted(stay_ids[order], sup["custody_stay_id"])
    pos = np.clip(pos, 0, len(order) - 1)
    found = stay_ids[order][pos] == sup["custody_stay_id"]
    taken = refs.take(pa.array(order[pos]))
    return pa.array(np.where(found, taken.to_numpy(zero_copy_only=False), None), type=pa.string())


def _lscmi(sup: Frame, people: Frame, rng: np.random.Generator, parolee_ids: pa.Array, pos, as_of: int) -> Frame:
    """LS/CMI at the start of most parole periods (R-RISK-1, R-RISK-2 bands 0-43)."""
    rows = np.flatnonzero(rng.random(len(pos)) < 0.85)
    date = sup["start"][rows] + rng.integers(0, 30, rows.size)
    rows, date = rows[date <= as_of], date[date <= as_of]
    m = rows.size
    risk = people["risk"][sup["person_id"][rows] - 1] * np.exp(0.3 * rng.standard_normal(m))
    total = np.clip(np.round(risk * 14 + 4 * rng.standard_normal(m)), 0, 43).astype(np.int64)
    levels = ["VL", "L", "M", "H", "VH"]
    frame: Frame = {
        "parole_assessment_id": ident("LS", np.arange(1, m + 1), 8),
        "parolee_id": parolee_ids.take(pa.array(pos[rows])),
        "assessment_date": date,
        "total_score": total,
    }
    domains = [
        "domain_criminal_history_code",
        "domain_education_employment_code",
        "domain_family_marital_code",
        "domain_leisure_recreation_code",
        "domain_companions_code",
        "domain_alcohol_drug_code",
        "domain_procriminal_attitude_code",
        "domain_antisocial_pattern_code",
    ]
    for name in domains:
        idx = np.clip(np.round(total / 9 + rng.normal(0, 0.8, m)), 0, 4).astype(np.int64)
        frame[name] = np.asarray(levels)[idx]
    frame["_person_id"] = sup["person_id"][rows]
    frame["_created"] = date
    return frame


def probation_files(
    world: World, dockets: Dockets, people: Frame, rng: np.random.Generator, contract: Contract, as_of: int
) -> dict[str, Frame]:
    sp = world.supervisions
    sup = take(sp, np.flatnonzero(sp["kind"] == "probation"))
    sup = take(sup, np.lexsort((sup["supervision_id"], sup["start"])))
    n = len(sup["supervision_id"])
    persons, first_start, pos = _people_in(sup)
    pcf = ident("", np.arange(1, len(persons) + 1) + 2_000_000, 8)
    probationers = _person_frame(people, persons, "probation", first_start)
    probationers["probationer_id"] = pcf
    ep = dockets.episodes
    epos = np.clip(np.searchsorted(ep["episode_id"], sup["episode_id"]), 0, len(ep["episode_id"]) - 1)
    has_docket = ep["episode_id"][epos] == sup["episode_id"]
    docket = ep["docket_number"].take(pa.array(epos)).to_numpy(zero_copy_only=False)
    planned = sup["end_reason"] == "CMP"
    u = rng.random(n)
    reason = np.where(planned & (u < 0.1), "TRM", np.where(planned & (u < 0.15), "DEF", sup["end_reason"]))
    reason = np.where(planned & (u > 0.995), "DEC", reason)
    sup_ids = ident("S", np.arange(1, n + 1), 9)
    supervision = {
        "probation_supervision_id": sup_ids,
        "probationer_id": pcf.take(pa.array(pos)),
        "docket_number": pa.array(np.where(has_docket, docket, None), type=pa.string()),
        "supervision_type_code": sup["supervision_type"],
        "supervision_start_date": sup["start"],
        "supervision_end_date": sup["end"],
        "supervision_end_code": reason,
        "_person_id": sup["person_id"],
        "_created": sup["start"],
    }
    return {
        "probationers": probationers,
        "supervision_periods": supervision,
        "oras_assessments": _oras(sup, people, rng, contract, pcf, pos, as_of),
    }


def _oras(sup: Frame, people: Frame, rng, contract: Contract, pcf: pa.Array, pos, as_of: int) -> Frame:
    """ORAS-CSST screens (4 items before 2019, 9 after: R-RISK-2) and full CSTs for risk/need cases."""
    n = len(pos)
    screened = (sup["supervision_type"] != "PT") & (rng.random(n) < 0.8)
    cst = screened & np.isin(sup["supervision_type"], ["RN", "DU"]) & (rng.random(n) < 0.6)
    rows = np.concatenate([np.flatnonzero(screened), np.flatnonzero(cst)])
    instrument = np.concatenate([np.full(screened.sum(), "CSST"), np.full(cst.sum(), "CST")])
    date = sup["start"][rows] + np.where(
        instrument == "CSST", rng.integers(0, 14, rows.size), rng.integers(20, 60, rows.size)
    )
    keep = date <= as_of
    rows, instrument, date = rows[keep], instrument[keep], date[keep]
    order = np.lexsort((instrument, date))
    rows, instrument, date = rows[order], instrument[order], date[order]
    m = rows.size
    risk = people["risk"][sup["person_id"][rows] - 1] * np.exp(0.3 * rng.standard_normal(m))
    nine = date >= day(CSST_9_ITEM_DATE)
    frame: Frame = {
        "probation_assessment_id": ident("OR", np.arange(1, m + 1), 9),
        "probationer_id": pcf.take(pa.array(pos[rows])),
        "assessment_date": date,
        "instrument_code": instrument,
        "item_count": int_or_na(np.where(nine, 9, 4), instrument == "CSST"),
    }
    total = np.zeros(m, dtype=np.int64)
    oras_file = contract.system("probation").file("ORAS_ASSESSMENT.csv")
    # item membership comes from the contract's descriptions: "CSST 4-item:", "CSST 9-item:", "CSST:", "CST ..."
    for col in oras_file.columns:
        if not (col.staged_as.startswith("csst_") or col.staged_as.startswith("cst_")):
            continue
        top = col.range[1] if col.range else 1
        score = rng.binomial(top, np.clip(0.15 + 0.3 * risk, 0.02, 0.95))
        if col.staged_as.startswith("cst_"):
            applies = instrument == "CST"
        elif col.description.startswith("CSST 4-item"):
            applies = (instrument == "CSST") & ~nine
        elif col.description.startswith("CSST 9-item"):
            applies = (instrument == "CSST") & nine
        else:
            applies = instrument == "CSST"
        frame[col.staged_as] = int_or_na(score, applies)
        total += np.where(applies, score, 0)
    frame["total_score"] = total
    frame["_person_id"] = sup["person_id"][rows]
    frame["_created"] = date
    return frame
