"""MassCourts: dockets, charges (with amendments), court events and dispositions, from the simulated episodes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crosstrack.generator.config import COURTS
from crosstrack.generator.frames import NA_DAY, Frame, choice, group_rank, take, year_of
from crosstrack.generator.lifecourse import World
from crosstrack.generator.statutes import Statutes
from crosstrack.generator.values import NA_INT, ident, int_or_na, map_codes


@dataclass
class Dockets:
    """Episodes with their docket numbers, and charges with their dispositions (the courts' truth)."""

    episodes: Frame  # + "docket_number" (pa.Array), "court_code"
    charges: Frame  # + "citation", "amended", "amended_date", "disposition", "sentence_type", "incarcerated", ...


def docket_numbers(episodes: Frame) -> pa.Array:
    """Trial Court docket numbers: two-digit year, two-digit court number, CR, six-digit sequence."""
    year = year_of(episodes["filing"]) % 100
    court_no = np.array([c.number for c in COURTS])[episodes["court"]]
    key = year * 100 + court_no
    order = np.lexsort((episodes["episode_id"], episodes["filing"], key))
    seq = np.empty(len(key), dtype=np.int64)
    seq[order] = group_rank(key[order]) + 1
    return pc.binary_join_element_wise(
        pc.utf8_lpad(pc.cast(pa.array(key), pa.string()), 4, "0"), ident("CR", seq, 6), ""
    )


def prepare_dockets(world: World, rng: np.random.Generator, statutes: Statutes, as_of: int) -> Dockets:
    """Docket numbers, per-charge dispositions and amendments (R-OFF-5: the amended charge is reported)."""
    ep = dict(world.episodes)
    ep["docket_number"] = docket_numbers(ep)
    ep["court_code"] = np.array([c.code for c in COURTS])[ep["court"]]
    ch = dict(world.charges)
    pos = np.searchsorted(ep["episode_id"], ch["episode_id"])
    n = len(pos)
    is_lead = ch["charge_no"] == ep["lead_charge_no"][pos]
    convicted_ep = ep["convicted"][pos]
    disposed = ep["disposition"][pos] <= as_of
    plea = np.where(rng.random(n) < 0.85, "GPL", "GLT")
    other_conv = rng.random(n) < 0.55
    dropped = choice(rng, ["DIS", "NOP", "FIL"], [50, 30, 20], n)
    not_conv_code = np.where(rng.random(n) < 0.8, ep["not_convicted"][pos], "DIS")
    charge_convicted = convicted_ep & (is_lead | other_conv)
    disposition = np.where(convicted_ep, np.where(charge_convicted, plea, dropped), not_conv_code)
    # one plea code per docket: the lead charge's
    lead_code = np.where(rng.random(len(ep["episode_id"])) < 0.85, "GPL", "GLT")
    disposition = np.where(charge_convicted, lead_code[pos], disposition)
    ep_sentence = ep["sentence"][pos]
    carries = is_lead | (rng.random(n) < 0.7)
    sentence_type = np.where(charge_convicted, np.where(carries, ep_sentence, "NON"), "")
    sentence_days = np.where(np.isin(sentence_type, ["DOC", "HOC", "SUS"]), ep["sentence_days"][pos], NA_INT)
    sentence_days = np.where(ep["life"][pos] & (sentence_type == "DOC"), NA_INT, sentence_days)
    amended = rng.random(n) < 0.06
    misdemeanors = np.flatnonzero(~statutes.is_felony)
    new_statute = misdemeanors[rng.integers(0, len(misdemeanors), n)]
    arraign = ep["arraignment"][pos]
    span = np.maximum(0, ep["disposition"][pos] - arraign)
    amended_date = arraign + np.floor(rng.random(n) * (span + 1)).astype(np.int64)
    amended &= amended_date <= as_of
    ch.update(
        {
            "citation": statutes.citation[ch["statute"]],
            "severity": statutes.severity[ch["statute"]],
            "amended": np.where(amended, statutes.citation[new_statute], ""),
            "amended_date": np.where(amended, amended_date, NA_DAY),
            "disposition": np.where(disposed, disposition, ""),
            "disposition_date": np.where(disposed, ep["disposition"][pos], NA_DAY),
            "sentence_type": np.where(disposed, sentence_type, ""),
            "sentence_days": np.where(disposed, sentence_days, NA_INT),
            "convicted": charge_convicted & disposed,
            "incarcerated": charge_convicted & np.isin(sentence_type, ["DOC", "HOC"]),
            "is_lead": is_lead,
            "person_id": ep["person_id"][pos],
        }
    )
    return Dockets(episodes=ep, charges=ch)


def masscourts_files(dockets: Dockets, people: Frame, rng: np.random.Generator, as_of: int) -> dict[str, Frame]:
    ep, ch = dockets.episodes, dockets.charges
    who = ep["person_id"] - 1
    docket_frame = {
        "docket_number": ep["docket_number"],
        "court_code": ep["court_code"],
        "filing_date": ep["filing"],
        "sid": people["sid_text"][who],
        "last_name": people["last_name"][who],
        "first_name": people["first_name"][who],
        "birth_date": people["birth_date"][who],
        "assigned_sex_code": map_codes("sex", "masscourts", people["sex"][who]),
        "race_code": map_codes("race", "masscourts", people["race"][who]),
        "_person_id": ep["person_id"],
        "_created": ep["filing"],
    }
    pos = np.searchsorted(ep["episode_id"], ch["episode_id"])
    charge_ids = ident("MC", np.arange(1, len(pos) + 1), 10)
    charge_frame = {
        "masscourts_charge_id": charge_ids,
        "docket_number": ep["docket_number"].take(pa.array(pos)),
        "charge_number": ch["charge_no"],
        "statute_citation": ch["citation"],
        "severity_code": ch["severity"],
        "amended_statute_citation": ch["amended"],
        "amended_date": ch["amended_date"],
        "_person_id": ch["person_id"],
        "_created": ep["filing"][pos],
    }
    disposed = np.flatnonzero(ch["disposition"] != "")
    disposition_frame = {
        "masscourts_disposition_id": ident("MD", np.arange(1, disposed.size + 1), 10),
        "masscourts_charge_id": charge_ids.take(pa.array(disposed)),
        "disposition_code": ch["disposition"][disposed],
        "disposition_date": ch["disposition_date"][disposed],
        "sentence_type_code": ch["sentence_type"][disposed],
        "sentence_days": int_or_na(ch["sentence_days"][disposed], ch["sentence_days"][disposed] != NA_INT),
        "_person_id": ch["person_id"][disposed],
        "_created": ch["disposition_date"][disposed],
    }
    return {
        "dockets": docket_frame,
        "charges": charge_frame,
        "events": _events(ep, rng, as_of),
        "dispositions": disposition_frame,
    }


def _events(ep: Frame, rng: np.random.Generator, as_of: int) -> Frame:
    """Arraignment, pretrial hearings, trial, disposition hearing and sentencing events of each docket."""
    n = len(ep["episode_id"])
    arraign, dispo = ep["arraignment"], ep["disposition"]
    span = dispo - arraign
    n_pth = np.where(span > 20, np.minimum(rng.poisson(3.9 + span / 110.0), 12), 0)
    pth_rows = np.repeat(np.arange(n), n_pth)
    pth_dates = arraign[pth_rows] + 1 + np.floor(rng.random(pth_rows.size) * np.maximum(1, span[pth_rows] - 1))
    trial = ep["convicted"] & (rng.random(n) < 0.06) | (ep["not_convicted"] == "NGL")
    sentenced = ep["convicted"] & (ep["sentence"] != "NON")
    parts = [
        (np.arange(n), arraign, "ARR"),
        (pth_rows, pth_dates.astype(np.int64), "PTH"),
        (np.flatnonzero(trial), np.maximum(arraign, dispo - 1)[trial], "TRL"),
        (np.arange(n), dispo, "DSP"),
        (np.flatnonzero(sentenced), dispo[sentenced], "SEN"),
    ]
    rows = np.concatenate([p[0] for p in parts])
    dates = np.concatenate([p[1] for p in parts])
    kinds = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    rank = np.concatenate([np.full(len(p[0]), i) for i, p in enumerate(parts)])
    keep = dates <= as_of
    rows, dates, kinds, rank = rows[keep], dates[keep], kinds[keep], rank[keep]
    order = _sort_by_docket_date_kind(rows, dates, rank, len(parts))
    rows, dates, kinds = rows[order], dates[order], kinds[order]
    return {
        "masscourts_event_id": ident("ME", np.arange(1, rows.size + 1), 10),
        "docket_number": ep["docket_number"].take(pa.array(rows)),
        "event_type_code": kinds,
        "event_date": dates,
        "_person_id": ep["person_id"][rows],
        "_created": dates,
    }


def _sort_by_docket_date_kind(rows: np.ndarray, dates: np.ndarray, rank: np.ndarray, kinds: int) -> np.ndarray:
    """np.lexsort((rank, dates, rows)) for non-negative rows and ranks below `kinds`, as one stable sort of one key."""
    if not rows.size:
        return np.zeros(0, dtype=np.int64)
    first = dates.min()
    span = int(dates.max() - first) + 1
    return np.argsort((rows * span + (dates - first)) * kinds + rank, kind="stable")


def arraignments(dockets: Dockets, as_of: int) -> Frame:
    """Truth: each docket's arraignment and first conviction date (for the recidivism outcomes)."""
    ep = dockets.episodes
    conv_date = np.full(len(ep["episode_id"]), NA_DAY)
    convicted = ep["convicted"] & (ep["disposition"] <= as_of)
    conv_date[convicted] = ep["disposition"][convicted]
    arraigned = ep["arraignment"] <= as_of
    return take(
        {
            "person_id": ep["person_id"],
            "filing": ep["filing"],
            "arraignment": ep["arraignment"],
            "conviction": conv_date,
        },
        np.flatnonzero(arraigned),
    )
