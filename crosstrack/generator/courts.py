"""MassCourts: dockets, charges (with amendments), court events and dispositions, from the simulated episodes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crosstrack.generator.config import (
    COURTS,
    REVOCATION_CODES,
    REVOCATION_SENTENCE,
    REVOCATION_SENTENCE_MEDIAN_DAYS,
)
from crosstrack.generator.frames import NA_DAY, Frame, choice, group_rank, lognormal_days, take, year_of
from crosstrack.generator.lifecourse import World
from crosstrack.generator.statutes import Statutes
from crosstrack.generator.values import NA_INT, ident, int_or_na, map_codes


@dataclass
class Dockets:
    """Episodes with their docket numbers, and charges with their dispositions (the courts' truth)."""

    episodes: Frame  # + "docket_number" (pa.Array), "court_code"
    charges: Frame  # + "citation", "amended", "amended_date", "disposition", "sentence_type", "incarcerated", ...
    # + "revocation", "revocation_date", "revocation_sentence_type", "revocation_days" (R-CHG-5; "" if none)
    revocations: Frame  # one per revoked probation: "episode_id", "person_id", "date", "code", "stay_id"


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
    revoked = revocations(world, ep, as_of)
    ch.update(_revoked_charges(ch, ep, pos, revoked, rng))
    return Dockets(episodes=ep, charges=ch, revocations=revoked)


def revocations(world: World, ep: Frame, as_of: int) -> Frame:
    """R-CHG-5: every probation revoked by as_of (a technical violation or a new arrest), with the docket whose
    disposition it ends, the violation hearing's date and the custody stay that commits the violator (-1 if none).

    A revoked technical violation commits the probationer the day of the violation (the "violator" stay of that
    supervision); a revocation on a new arrest holds the probationer from the arrest (the new episode's hold stay,
    admitted as a probation violation). Pretrial supervision is not a sentence and is never revoked here."""
    sp, vi, st = world.supervisions, world.violations, world.stays
    rev = np.flatnonzero(vi["outcome"] == "REV")
    spos = np.searchsorted(sp["supervision_id"], vi["supervision_id"][rev])
    probation = (sp["kind"][spos] == "probation") & (sp["supervision_type"][spos] != "PT")
    rev, spos = rev[probation], spos[probation]
    episode = sp["episode_id"][spos]
    epos = np.clip(np.searchsorted(ep["episode_id"], episode), 0, max(len(ep["episode_id"]) - 1, 0))
    known = (ep["episode_id"][epos] == episode) & (ep["disposition"][epos] <= as_of)
    rev, spos, episode, epos = rev[known], spos[known], episode[known], epos[known]
    ended = np.where(ep["convicted"][epos], ep["sentence"][epos], ep["not_convicted"][epos])
    code = np.array([REVOCATION_CODES.get(x, "") for x in ended.tolist()], dtype="<U3")
    date = vi["violation_date"][rev]
    person = sp["person_id"][spos]
    technical = vi["violation_type"][rev] == "TEC"
    # the stay that commits the violator: the supervision's violator stay, or the hold stay begun on the arrest
    stay = np.full(rev.size, -1, dtype=np.int64)
    by_sup = st["kind"] == "violator"
    stay[technical] = _stay_of(st["supervision_id"][by_sup], st["stay_id"][by_sup], sp["supervision_id"][spos])[
        technical
    ]
    holds = (st["kind"] == "hold") & (st["admission"] == "probation_violation")
    arrest_key = st["person_id"][holds] * 100_000 + st["start"][holds]
    stay[~technical] = _stay_of(arrest_key, st["stay_id"][holds], person * 100_000 + date)[~technical]
    keep = np.flatnonzero(code != "")
    return {
        "episode_id": episode[keep],
        "person_id": person[keep],
        "date": date[keep],
        "code": code[keep],
        "ended": ended[keep],
        "stay_id": stay[keep],
    }


def _stay_of(keys: np.ndarray, stay_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The stay id of each wanted key (-1 where no stay has it)."""
    if not keys.size:
        return np.full(wanted.size, -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    p = np.clip(np.searchsorted(keys[order], wanted), 0, keys.size - 1)
    return np.where(keys[order][p] == wanted, stay_ids[order][p], -1)


def _revoked_charges(ch: Frame, ep: Frame, pos: np.ndarray, revoked: Frame, rng: np.random.Generator) -> Frame:
    """R-CHG-5: the later disposition on each charge a revocation ends, dated at the violation hearing: the
    charges that carry the probation, suspended sentence or split sentence, or the charges continued without a
    finding (the lead charge if none was). The sentence imposed is a house of correction term."""
    n = len(pos)
    out = {
        "revocation": np.full(n, "", dtype="<U3"),
        "revocation_date": np.full(n, NA_DAY),
        "revocation_sentence_type": np.full(n, "", dtype="<U3"),
        "revocation_days": np.full(n, NA_INT),
    }
    if not revoked["episode_id"].size or not n:
        return out
    order = np.argsort(revoked["episode_id"], kind="stable")
    r_sorted = revoked["episode_id"][order]
    p = np.clip(np.searchsorted(r_sorted, ch["episode_id"]), 0, r_sorted.size - 1)
    has = r_sorted[p] == ch["episode_id"]
    r = order[p]
    ended = revoked["ended"][r]
    episode_days = ep["sentence_days"][pos]
    cwf_episode = has & (ended == "CWF")
    episode_has_cwf = np.zeros(len(ep["episode_id"]), dtype=bool)
    episode_has_cwf[pos[cwf_episode & (ch["disposition"] == "CWF")]] = True
    ends = np.where(
        ended == "CWF",
        (ch["disposition"] == "CWF") | (ch["is_lead"] & ~episode_has_cwf[pos]),
        ch["convicted"] & (ch["sentence_type"] == ended),
    )
    rows = np.flatnonzero(has & ends & (ch["disposition"] != ""))
    drawn = lognormal_days(rng, REVOCATION_SENTENCE_MEDIAN_DAYS, 0.6, rows.size)
    days = np.where(ended[rows] == "SUS", episode_days[rows], drawn)
    out["revocation"][rows] = revoked["code"][r[rows]]
    out["revocation_date"][rows] = revoked["date"][r[rows]]
    out["revocation_sentence_type"][rows] = REVOCATION_SENTENCE
    out["revocation_days"][rows] = np.clip(days, 30, 912)
    return out


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
    # the first disposition of every disposed charge, then the later ones entered on revocation (R-CHG-5)
    disposed = np.flatnonzero(ch["disposition"] != "")
    revoked = np.flatnonzero(ch["revocation"] != "")
    rows = np.concatenate([disposed, revoked])
    later = np.arange(rows.size) >= disposed.size
    days = np.where(later, ch["revocation_days"][rows], ch["sentence_days"][rows])
    dates = np.where(later, ch["revocation_date"][rows], ch["disposition_date"][rows])
    disposition_frame = {
        "masscourts_disposition_id": ident("MD", np.arange(1, rows.size + 1), 10),
        "masscourts_charge_id": charge_ids.take(pa.array(rows)),
        "disposition_code": np.where(later, ch["revocation"][rows], ch["disposition"][rows]),
        "disposition_date": dates,
        "sentence_type_code": np.where(later, ch["revocation_sentence_type"][rows], ch["sentence_type"][rows]),
        "sentence_days": int_or_na(days, days != NA_INT),
        "_person_id": ch["person_id"][rows],
        "_created": dates,
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
    # R-CHG-5: a violated continuance without a finding ends in a guilty finding, the docket's conviction
    rev = dockets.revocations
    cwf = np.flatnonzero(rev["code"] == REVOCATION_CODES["CWF"])
    cpos = np.searchsorted(ep["episode_id"], rev["episode_id"][cwf])
    conv_date[cpos] = np.where(conv_date[cpos] == NA_DAY, rev["date"][cwf], conv_date[cpos])
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
