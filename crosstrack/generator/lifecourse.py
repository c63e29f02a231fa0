"""Life courses: arrests, dockets, custody, releases, supervision and violations, simulated episode by episode.

One *episode* is an arrest and everything that follows from it: the MassCourts docket and its charges, the
arraignment, pretrial detention at the county Sheriff's Office, the disposition, a sentence to a house of
correction or to DOC (with transfers between agencies), the release and any parole or probation supervision
with its violations. The simulation advances all active people one episode at a time (a Python loop over a few
dozen episode steps, vectorized across people); nothing loops over rows.

Canonical values used here: custody statuses PRE/SEN/PV/SK/FED/ISC/CIV, facility JAIL/HOC (county) or "" (DOC),
admission and release types as keys of ``config.SYSTEM_CODES``, MassCourts disposition and sentence codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crosstrack.generator.config import COURTS, DOC, SHERIFF_INDEX, holding_sheriff
from crosstrack.generator.frames import NA_DAY, Frame, choice, choice_rows, concat, group_rank, lognormal_days
from crosstrack.generator.statutes import Statutes

YEAR_MULTIPLIER = {1990: 1.0, 2013: 0.97, 2014: 0.95, 2015: 0.93, 2016: 0.9, 2017: 0.84, 2018: 0.74, 2019: 0.67}
YEAR_MULTIPLIER |= {2020: 0.44, 2021: 0.45, 2022: 0.5}
SENTENCES = ("DOC", "HOC", "PRB", "SUS", "FIN", "NON")
NOT_CONVICTED = ("CWF", "DIS", "NOP", "NGL", "FIL")


@dataclass(frozen=True)
class LifeCourseParams:
    """Rates and durations of the life-course simulation (calibrated to the plausibility bands in the docs)."""

    arrests_per_year: float = 0.305
    """Base arrest rate per year of an average-risk person aged 25-34 (scaled by risk, age and calendar year)."""
    superior_share: float = 0.11
    """Share of felony episodes indicted in the Superior Court (the only court that sentences to DOC)."""
    held_pretrial: tuple[float, float, float] = (0.06, 0.16, 0.55)
    """Probability of pretrial detention: district misdemeanor, district felony, Superior Court."""
    detained_through: tuple[float, float, float] = (0.25, 0.4, 0.65)
    """Probability that a detained person stays held until the disposition (no bail): same three classes."""
    bail_hold_median_days: float = 14.0
    """Median days held before release on bail or recognizance."""
    hoc_sentence_median_days: float = 155.0
    """Median house-of-correction sentence (days, before good time)."""
    doc_max_term_median_days: float = 1450.0
    """Median DOC maximum term (days)."""
    safe_keep_share: float = 0.03
    """Share of arrests not otherwise detained that produce a one-to-three-day safe-keep booking."""
    stepdown_share: float = 0.06
    """Share of DOC stays that end with a transfer to a county house of correction."""
    parole_violation_rate: float = 0.34
    """Probability that a parole period has a technical violation."""
    probation_violation_rate: float = 0.3
    """Probability that a risk/need or DUIL probation period has a technical violation."""
    new_offense_revocation: float = 0.75
    """Probability that an arrest during supervision revokes it (the person is held as a violator)."""
    post_release_boost: float = 2.2
    """Extra arrest hazard right after a release or disposition (times the base), decaying over a year."""
    max_episodes: int = 40
    """Upper bound on episodes per person (the loop ends earlier when nobody is active)."""
    year_multiplier: dict[int, float] = field(default_factory=lambda: dict(YEAR_MULTIPLIER))
    """Arrest-rate multiplier from the given calendar year on (falling after 2016, a dip in 2020)."""


class Ids:
    """Running counters for the global identifiers of episodes, stays and supervision periods."""

    def __init__(self) -> None:
        self.next = {"episode": 0, "stay": 0, "supervision": 0}

    def take(self, kind: str, n: int) -> np.ndarray:
        start = self.next[kind]
        self.next[kind] = start + n
        return np.arange(start, start + n, dtype=np.int64)


def _year_multiplier_table(p: LifeCourseParams) -> tuple[int, np.ndarray]:
    years = np.arange(1990, 2050)
    values = np.zeros(len(years))
    current = 1.0
    for i, y in enumerate(years):
        current = p.year_multiplier.get(int(y), current)
        values[i] = current
    return 1990, values


def year_multiplier(p: LifeCourseParams, days: np.ndarray) -> np.ndarray:
    base_year, table = _year_multiplier_table(p)
    year = (days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970).clip(1990, 2049)
    return table[year - base_year]


def _age_multiplier(age_years: np.ndarray) -> np.ndarray:
    bins = np.array([18, 25, 35, 45, 55])
    mult = np.array([0.8, 1.3, 1.0, 0.75, 0.5, 0.25])
    return mult[np.searchsorted(bins, age_years, side="right")]


def draw_next_arrest(
    rng: np.random.Generator, t_from: np.ndarray, rate: np.ndarray, birth: np.ndarray, horizon: np.ndarray, p
) -> np.ndarray:
    """Next arrest day after t_from (thinning of a Poisson process by calendar year and age); > horizon if none."""
    base_year, table = _year_multiplier_table(p)
    max_mult = table.max() * 1.3 * (1.0 + p.post_release_boost)
    lam_max = rate / 365.25 * max_mult
    out = np.full(len(t_from), np.iinfo(np.int64).max // 4, dtype=np.int64)
    t = t_from.astype(float)
    pending = np.arange(len(t_from))
    while pending.size:
        t[pending] += rng.exponential(1.0 / lam_max[pending])
        cand = t[pending]
        cand_day = np.floor(cand).astype(np.int64)
        year = (cand_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970).clip(1990, 2049)
        # re-offending is front-loaded after a release: R-RCD-1 context
        fresh = 1.0 + p.post_release_boost * np.exp(-(cand - t_from[pending]) / 365.25)
        accept_p = table[year - base_year] * _age_multiplier((cand_day - birth[pending]) / 365.25) * fresh / max_mult
        beyond = cand_day > horizon[pending]
        accept = beyond | (rng.random(len(pending)) < accept_p)
        out[pending[accept]] = np.where(beyond[accept], horizon[pending[accept]] + 1, cand_day[accept])
        pending = pending[~accept]
    return out


@dataclass
class PendingSupervision:
    """Per-person open supervision from the previous episode, resolved when the next arrest is drawn."""

    sup_id: np.ndarray
    end: np.ndarray
    kind: np.ndarray  # "" | "parole" | "probation"
    agency: np.ndarray  # agency a violator returns to


@dataclass
class World:
    people: Frame
    episodes: Frame
    charges: Frame
    stays: Frame
    statuses: Frame
    supervisions: Frame
    violations: Frame
    stats: dict[str, int] = field(default_factory=dict)


def _pick_courts(rng: np.random.Generator, county: np.ndarray, superior: np.ndarray) -> np.ndarray:
    """Index into COURTS of a court in each episode's county (Superior or district)."""
    out = np.zeros(len(county), dtype=np.int64)
    counties = sorted({c.county for c in COURTS})
    for name in counties:
        for is_sup in (False, True):
            rows = np.flatnonzero((county == name) & (superior == is_sup))
            if not rows.size:
                continue
            options = [i for i, c in enumerate(COURTS) if c.county == name and c.superior == is_sup]
            weights = np.array([COURTS[i].weight for i in options])
            out[rows] = np.asarray(options)[rng.choice(len(options), size=rows.size, p=weights / weights.sum())]
    return out


def _draw_charges(rng: np.random.Generator, episode_id: np.ndarray, statutes: Statutes) -> Frame:
    n_charges = 1 + np.minimum(rng.poisson(1.15, len(episode_id)), 9)
    charge_episode = np.repeat(episode_id, n_charges)
    weights = statutes.weight / statutes.weight.sum()
    statute = rng.choice(len(weights), size=len(charge_episode), p=weights)
    return {"episode_id": charge_episode, "charge_no": group_rank(charge_episode) + 1, "statute": statute}


def _lead_charge(charges: Frame, n_episodes: int, first_episode: int, statutes: Statutes) -> np.ndarray:
    """Row index of each episode's lead charge: the first felony, else the first charge (R-CHG-3)."""
    local = charges["episode_id"] - first_episode
    felony = statutes.is_felony[charges["statute"]]
    order = np.lexsort((charges["charge_no"], ~felony, local))
    first = np.r_[True, local[order][1:] != local[order][:-1]]
    lead = np.zeros(n_episodes, dtype=np.int64)
    lead[local[order][first]] = order[first]
    return lead


def _sentence_probabilities(superior: np.ndarray, felony: np.ndarray, prior_inc: np.ndarray) -> np.ndarray:
    """Row-wise probabilities over SENTENCES for convicted episodes."""
    sup = np.array([0.58, 0.22, 0.14, 0.06, 0.0, 0.0])
    dfel = np.array([0.0, 0.30, 0.38, 0.12, 0.12, 0.08])
    dmis = np.array([0.0, 0.13, 0.38, 0.10, 0.26, 0.13])
    probs = np.where(superior[:, None], sup, np.where(felony[:, None], dfel, dmis)).copy()
    boost = 1.0 + 0.5 * np.minimum(prior_inc, 4)
    probs[:, 0] *= boost
    probs[:, 1] *= boost
    return probs


def _stay_frame(
    ids: Ids, person, agency, start, end, admission, release, episode, kind, facility_first="", **extra
) -> Frame:
    n = len(person)
    frame = {
        "stay_id": ids.take("stay", n),
        "person_id": person,
        "agency": np.broadcast_to(agency, (n,)).astype(np.int64),
        "start": start.astype(np.int64),
        "end": end.astype(np.int64),
        "admission": np.broadcast_to(np.asarray(admission, dtype="<U24"), (n,)).copy(),
        "release": np.broadcast_to(np.asarray(release, dtype="<U24"), (n,)).copy(),
        "episode_id": np.broadcast_to(episode, (n,)).astype(np.int64),
        "kind": np.full(n, kind, dtype="<U12"),
        "supervision_id": np.broadcast_to(extra.get("supervision_id", -1), (n,)).astype(np.int64),
        "life": np.broadcast_to(extra.get("life", False), (n,)).astype(bool),
    }
    return frame


def _status_frame(stay_id, status, facility, start, end) -> Frame:
    n = len(stay_id)
    return {
        "stay_id": stay_id,
        "status": np.broadcast_to(np.asarray(status, dtype="<U4"), (n,)).copy(),
        "facility": np.broadcast_to(np.asarray(facility, dtype="<U4"), (n,)).copy(),
        "start": start.astype(np.int64),
        "end": end.astype(np.int64),
    }


# R-ADM-1: how a pretrial hold is recorded at admission (rare types included)
HOLD_ADMISSIONS = (
    "held_pretrial",
    "arrest",
    "held_pending_arraignment",
    "hpd_bail",
    "hpd_no_bail",
    "held_for_other_dept",
    "court_readmit",
    "escape_return",
    "other",
)
HOLD_ADMISSION_P = (44, 19, 14, 9, 9, 2, 1.5, 0.5, 1)
COMMITMENT_ADMISSIONS = ("new_commitment", "court_readmit", "held_for_other_dept", "escape_return", "other")
COMMITMENT_ADMISSION_P = (96, 1.5, 1, 0.5, 1)
HOC_RELEASES = ("parole", "probation", "expired", "home", "time_served", "court", "supervised", "deceased", "escape")
HOC_RELEASE_P = (0.14, 0.24, 0.5, 0.03, 0.03, 0.02, 0.02, 0.003, 0.002)
DOC_RELEASES = ("parole", "probation", "expired", "home", "court", "time_served", "deceased", "escape", "other")
DOC_RELEASE_P = (0.33, 0.17, 0.41, 0.01, 0.02, 0.03, 0.008, 0.002, 0.01)


DOC_EQUIVALENT = {"to_doc": "remain", "supervised": "parole", "bail": "court", "pr": "court"}


def _doc_release(agency: np.ndarray, release: np.ndarray) -> np.ndarray:
    """Release types only county systems have, as DOC writes them for a DOC stay."""
    out = release.copy()
    for county_value, doc_value in DOC_EQUIVALENT.items():
        out[(agency == DOC) & (release == county_value)] = doc_value
    return out


class EpisodeStep:
    """Simulates one episode for a set of people; collects frames into lists."""

    def __init__(self, rng: np.random.Generator, p: LifeCourseParams, statutes: Statutes, ids: Ids) -> None:
        self.rng, self.p, self.statutes, self.ids = rng, p, statutes, ids
        self.episodes: list[Frame] = []
        self.charges: list[Frame] = []
        self.stays: list[Frame] = []
        self.statuses: list[Frame] = []
        self.supervisions: list[Frame] = []
        self.violations: list[Frame] = []
        self.sup_updates: list[Frame] = []

    # ---- supervision -------------------------------------------------------------------------------------
    def resolve_pending(self, pend: PendingSupervision, idx: np.ndarray, arrest: np.ndarray, arrested: np.ndarray):
        """An arrest during supervision: a new-offense violation; revoked or continued. Returns violator kind."""
        rng = self.rng
        has = pend.sup_id[idx] >= 0
        during = has & arrested & (arrest <= pend.end[idx])
        revoked = during & (rng.random(len(idx)) < self.p.new_offense_revocation)
        rows = np.flatnonzero(during)
        self.violations.append(
            {
                "supervision_id": pend.sup_id[idx][rows],
                "violation_date": arrest[rows],
                "violation_type": np.full(rows.size, "NEW", dtype="<U3"),
                "outcome": np.where(revoked[rows], "REV", "CON").astype("<U3"),
            }
        )
        rev_rows = np.flatnonzero(revoked)
        self.sup_updates.append(
            {
                "supervision_id": pend.sup_id[idx][rev_rows],
                "end": arrest[rev_rows],
                "end_reason": np.full(rev_rows.size, "REV", dtype="<U3"),
            }
        )
        violator = np.where(revoked, pend.kind[idx], "")
        violator_agency = pend.agency[idx].copy()
        pend.sup_id[idx] = -1
        return violator, violator_agency

    def open_supervision(self, person, kind, agency, start, length, sup_type, episode, custody_stay):
        """Supervision periods with technical violations; returns (frame, pending mask, violator stays end)."""
        rng, p = self.rng, self.p
        n = len(person)
        sup_id = self.ids.take("supervision", n)
        end = start + length
        reason = np.where(kind == "parole", "DIS", "CMP").astype("<U3")
        rate = np.where(kind == "parole", p.parole_violation_rate, p.probation_violation_rate)
        rate = np.where(sup_type == "AD", 0.03, np.where(sup_type == "PT", 0.0, rate))
        violated = rng.random(n) < rate
        v_date = start + np.floor(length * rng.uniform(0.1, 0.8, n)).astype(np.int64)
        u = rng.random(n)
        outcome = np.where(
            kind == "parole",
            np.where(u < 0.55, "REV", np.where(u < 0.8, "D15", "CON")),
            np.where(u < 0.6, "REV", "CON"),
        ).astype("<U3")
        vrows = np.flatnonzero(violated)
        self.violations.append(
            {
                "supervision_id": sup_id[vrows],
                "violation_date": v_date[vrows],
                "violation_type": np.full(vrows.size, "TEC", dtype="<U3"),
                "outcome": outcome[vrows],
            }
        )
        revoked = violated & (outcome == "REV")
        end = np.where(revoked, v_date, end)
        reason = np.where(revoked, "REV", reason)
        # violators return to custody (R-RCD-2: a violator admission is a reincarceration)
        stay_end = np.full(n, NA_DAY)
        for outcome_code, length_median in (("REV", 0.0), ("D15", 14.0)):
            rows = np.flatnonzero(violated & (outcome == outcome_code))
            if not rows.size:
                continue
            parole = kind[rows] == "parole"
            if outcome_code == "REV":
                vlen = np.where(
                    parole, lognormal_days(rng, 160, 0.5, rows.size), lognormal_days(rng, 120, 0.6, rows.size)
                )
                admission = np.where(parole, "parole_violation", "probation_violation")
                rel = np.where(rng.random(rows.size) < 0.8, "expired", "parole")
            else:
                vlen = np.full(rows.size, int(length_median))
                admission = np.full(rows.size, "parole_detainer")
                rel = np.full(rows.size, "other")
            vagency = agency[rows]
            rel = np.where((vagency != DOC) & (rel == "parole"), "supervised", rel)
            vstart = v_date[rows]
            vend = vstart + vlen
            stays = _stay_frame(
                self.ids,
                person[rows],
                vagency,
                vstart,
                vend,
                admission,
                rel,
                episode[rows],
                "violator",
                supervision_id=sup_id[rows],
            )
            status = np.where(parole, "PV", "SEN")
            facility = np.where(vagency == DOC, "", "HOC")
            self.stays.append(stays)
            self.statuses.append(_status_frame(stays["stay_id"], status, facility, vstart, vend))
            stay_end[rows] = np.maximum(stay_end[rows], vend)
        self.supervisions.append(
            {
                "supervision_id": sup_id,
                "person_id": person,
                "kind": kind.astype("<U9"),
                "supervision_type": sup_type.astype("<U2"),
                "agency": agency.astype(np.int64),
                "start": start,
                "end": end,
                "end_reason": reason,
                "episode_id": episode,
                "custody_stay_id": custody_stay,
            }
        )
        pending = (~revoked) & (sup_type != "PT")
        return sup_id, end, pending, stay_end

    # ---- one episode ---------------------------------------------------------------------------------------
    def simulate(self, people: Frame, idx: np.ndarray, arrest: np.ndarray, violator, violator_agency, prior_inc):
        """Episode for people idx arrested on `arrest`. Returns (next free day, still alive, pending sup info)."""
        rng, p, statutes = self.rng, self.p, self.statutes
        n = len(idx)
        person = people["person_id"][idx]
        risk = people["risk"][idx]
        episode = self.ids.take("episode", n)

        county = np.where(rng.random(n) < 0.88, people["home_county"][idx], people["home_county"][rng.permutation(idx)])
        charges = _draw_charges(rng, episode, statutes)
        lead = _lead_charge(charges, n, int(episode[0]), statutes)
        lead_statute = charges["statute"][lead]
        felony = statutes.is_felony[lead_statute]
        murder = statutes.citation[lead_statute] == "265/1/"
        trend = year_multiplier(p, arrest)  # fewer indictments as arrests fall (after 2016)
        superior = (felony & (rng.random(n) < p.superior_share * trend**0.4 * (0.6 + 0.4 * risk))) | murder
        court = _pick_courts(rng, county, superior)
        sheriff = holding_agency(county)

        filing = arrest + (rng.random(n) < 0.3)
        arraign = filing + np.where(
            superior, rng.integers(0, 45, n), np.where(rng.random(n) < 0.65, 0, rng.integers(1, 4, n))
        )
        delay = np.where(
            superior,
            np.minimum(lognormal_days(rng, 330, 0.5, n), 1100),
            np.minimum(lognormal_days(rng, 80, 0.9, n), 600),
        )
        delay = np.where(~superior & (rng.random(n) < 0.15), 0, delay)
        dispo = arraign + delay
        convicted = rng.random(n) < np.where(superior, 0.78, np.clip(0.42 + 0.1 * risk, 0.2, 0.8))
        sentence = np.where(
            convicted, choice_rows(rng, SENTENCES, _sentence_probabilities(superior, felony, prior_inc)), ""
        ).astype("<U3")
        not_conv = choice_rows(
            rng, NOT_CONVICTED, np.where(superior[:, None], [0.0, 0.5, 0.3, 0.2, 0.0], [0.36, 0.4, 0.14, 0.04, 0.06])
        )
        life = convicted & murder & (sentence == "DOC") & (rng.random(n) < 0.7)
        hoc_days = np.minimum(912, np.maximum(10, lognormal_days(rng, p.hoc_sentence_median_days, 0.8, n)))
        doc_max = np.clip(lognormal_days(rng, p.doc_max_term_median_days, 0.55, n), 913, 7300)
        doc_min = np.round(doc_max * rng.uniform(0.6, 0.9, n)).astype(np.int64)
        sentence_days = np.where(sentence == "HOC", hoc_days, np.where(sentence == "DOC", doc_max, 0))
        sentence_days = np.where(sentence == "SUS", hoc_days, sentence_days)
        to_hoc = sentence == "HOC"
        to_doc = sentence == "DOC"

        # pretrial detention at the county Sheriff's Office (violators are always held)
        held_p = np.where(superior, p.held_pretrial[2], np.where(felony, p.held_pretrial[1], p.held_pretrial[0]))
        is_violator = violator != ""
        held = (rng.random(n) < np.clip(held_p * (0.6 + 0.4 * risk), 0, 0.95)) | is_violator
        dispo = np.where(held, np.maximum(dispo, arrest + 1), dispo)
        hold_len = np.where(
            is_violator, lognormal_days(rng, 150, 0.5, n), lognormal_days(rng, p.bail_hold_median_days, 1.3, n)
        )
        through = rng.random(n) < np.where(
            superior, p.detained_through[2], np.where(felony, p.detained_through[1], p.detained_through[0])
        )
        hold_end = np.where(held & through & ~is_violator, dispo, arrest + hold_len)
        continuing = held & (hold_end >= dispo)
        hold_agency = np.where(is_violator & (violator == "parole"), violator_agency, sheriff)
        credit = np.where(held, np.minimum(hold_end, dispo) - arrest, 0)

        # sentenced time served (good time, parole eligibility; jail credit deducted: R-INC-3 context)
        hoc_served = np.maximum(1, np.round(hoc_days * rng.uniform(0.5, 0.85, n)).astype(np.int64) - credit)
        doc_served = np.maximum(60, np.round(doc_min * rng.uniform(0.85, 1.3, n)).astype(np.int64))
        doc_served = np.minimum(doc_served, doc_max) - credit
        doc_served = np.maximum(doc_served, 30)

        last_day = np.maximum(dispo, arrest)
        final_release_day = np.full(n, NA_DAY)
        final_release = np.full(n, "", dtype="<U24")
        final_agency = np.full(n, -1, dtype=np.int64)
        final_stay = np.full(n, -1, dtype=np.int64)

        # 1. hold stays
        h = np.flatnonzero(held)
        if h.size:
            hv = violator[h]
            adm = np.where(
                hv == "parole",
                "parole_violation",
                np.where(
                    hv == "probation",
                    "probation_violation",
                    choice(
                        rng,
                        HOLD_ADMISSIONS,
                        HOLD_ADMISSION_P,
                        h.size,
                    ),
                ),
            )
            cont = continuing[h]
            agency = hold_agency[h]
            transfer_delay = np.where(agency == DOC, 0, rng.integers(0, 15, h.size))
            end = np.where(
                cont & to_hoc[h],
                dispo[h] + hoc_served[h],
                np.where(
                    cont & to_doc[h],
                    dispo[h] + transfer_delay,
                    np.where(cont & ~is_violator[h], dispo[h], hold_end[h]),
                ),
            )
            end = np.where(cont & is_violator[h] & ~(to_hoc[h] | to_doc[h]), np.maximum(hold_end[h], dispo[h]), end)
            rel_not_cont = np.where(
                is_violator[h], "expired", choice(rng, ["bail", "pr", "court"], [60, 25, 15], h.size)
            )
            rel_cont_free = np.where(
                convicted[h] & np.isin(sentence[h], ["PRB", "SUS"]),
                "probation",
                np.where(convicted[h], "time_served", "court"),
            )
            rel_cont_free = np.where(is_violator[h], "expired", rel_cont_free)
            rel_hoc = choice(rng, HOC_RELEASES, HOC_RELEASE_P, h.size)
            rel = np.where(
                ~cont, rel_not_cont, np.where(to_hoc[h], rel_hoc, np.where(to_doc[h], "to_doc", rel_cont_free))
            )
            rel = _doc_release(agency, rel)
            stays = _stay_frame(self.ids, person[h], agency, arrest[h], end, adm, rel, episode[h], "hold")
            self.stays.append(stays)
            first_status = np.where(hv == "parole", "PV", np.where(hv == "probation", "SEN", "PRE"))
            first_fac = np.where(agency == DOC, "", np.where(first_status == "PRE", "JAIL", "HOC"))
            change = cont & to_hoc[h]  # R-CC-1: pretrial -> sentenced in the same booking, no break
            first_end = np.where(change, dispo[h] - 1, end)
            self.statuses.append(_status_frame(stays["stay_id"], first_status, first_fac, arrest[h], first_end))
            c = np.flatnonzero(change)
            self.statuses.append(
                _status_frame(stays["stay_id"][c], "SEN", np.where(agency[c] == DOC, "", "HOC"), dispo[h][c], end[c])
            )
            last_day[h] = np.maximum(last_day[h], end)
            final_release_day[h] = end
            final_release[h] = rel
            final_agency[h] = agency
            final_stay[h] = stays["stay_id"]

        # 2. new commitments to a house of correction (not held up to the disposition)
        nc = np.flatnonzero(to_hoc & ~continuing)
        if nc.size:
            start = dispo[nc]
            end = start + hoc_served[nc]
            rel = choice(rng, HOC_RELEASES, HOC_RELEASE_P, nc.size)
            admission = choice(rng, COMMITMENT_ADMISSIONS, COMMITMENT_ADMISSION_P, nc.size)
            stays = _stay_frame(self.ids, person[nc], sheriff[nc], start, end, admission, rel, episode[nc], "sentence")
            self.stays.append(stays)
            self.statuses.append(_status_frame(stays["stay_id"], "SEN", "HOC", start, end))
            last_day[nc] = np.maximum(last_day[nc], end)
            final_release_day[nc], final_release[nc], final_agency[nc] = end, rel, sheriff[nc]
            final_stay[nc] = stays["stay_id"]

        # 3. DOC commitments (after a county hold: transfer county -> DOC)
        d = np.flatnonzero(to_doc)
        if d.size:
            start = np.where(continuing[d], final_release_day[d], dispo[d])
            served = doc_served[d]
            end = np.where(life[d], NA_DAY, start + served)
            stepdown = ~life[d] & (rng.random(d.size) < p.stepdown_share)
            sd_len = np.minimum(180, np.maximum(30, served // 3))
            doc_end = np.where(stepdown, end - sd_len, end)
            rel = choice(rng, DOC_RELEASES, DOC_RELEASE_P, d.size)
            doc_rel = np.where(stepdown, "to_county", rel)
            doc_rel = np.where(life[d], "", doc_rel)
            # county -> DOC after sentencing: DOC records a transfer in from the county facility
            admission = np.where(
                continuing[d] & (hold_agency[d] != DOC),
                "transfer_from_county",
                choice(rng, COMMITMENT_ADMISSIONS, COMMITMENT_ADMISSION_P, d.size),
            )
            stays = _stay_frame(
                self.ids, person[d], DOC, start, doc_end, admission, doc_rel, episode[d], "doc", life=life[d]
            )
            self.stays.append(stays)
            self.statuses.append(_status_frame(stays["stay_id"], "SEN", "", start, doc_end))
            final_release_day[d], final_release[d], final_agency[d] = doc_end, doc_rel, DOC
            final_stay[d] = stays["stay_id"]
            s = np.flatnonzero(stepdown)
            if s.size:
                home = holding_agency(people["home_county"][idx[d[s]]])
                county_rel = np.where(np.isin(rel[s], ["other"]), "expired", rel[s])
                sd = _stay_frame(
                    self.ids,
                    person[d[s]],
                    home,
                    doc_end[s],
                    end[s],
                    "transfer_in",
                    county_rel,
                    episode[d[s]],
                    "stepdown",
                )
                self.stays.append(sd)
                self.statuses.append(_status_frame(sd["stay_id"], "SEN", "HOC", doc_end[s], end[s]))
                final_release_day[d[s]], final_release[d[s]], final_agency[d[s]] = end[s], county_rel, home
                final_stay[d[s]] = sd["stay_id"]
            last_day[d] = np.where(life[d], NA_DAY, np.maximum(last_day[d], end))

        # 4. safe keeps: booked for another agency for a day or two, neither pretrial nor convicted (R-EX-1)
        sk = np.flatnonzero(~held & (rng.random(n) < p.safe_keep_share))
        if sk.size:
            start = arrest[sk]
            end = start + rng.integers(0, 3, sk.size)
            stays = _stay_frame(
                self.ids, person[sk], sheriff[sk], start, end, "safe_keep", "court", episode[sk], "safekeep"
            )
            self.stays.append(stays)
            self.statuses.append(_status_frame(stays["stay_id"], "SK", "JAIL", start, end))

        # 5. supervision after release or on a community sentence
        incarcerated = to_hoc | to_doc
        parole = (final_release == "parole") & incarcerated
        prob_after = (final_release == "probation") & incarcerated
        prob_sentence = convicted & np.isin(sentence, ["PRB", "SUS"])
        cwf_prob = ~convicted & (not_conv == "CWF") & (rng.random(n) < 0.6)
        lead_cit = statutes.citation[lead_statute]
        sup_type = np.where(lead_cit == "90/24/", "DU", np.where(rng.random(n) < 0.6, "RN", "AD"))
        sup_type = np.where(cwf_prob, "AD", sup_type)
        pretrial_sup = held & ~continuing & ~is_violator & (rng.random(n) < 0.15) & (hold_end < dispo)

        rows_par = np.flatnonzero(parole)
        rows_prb = np.flatnonzero(prob_after | ((prob_sentence | cwf_prob) & ~incarcerated))
        rows_pt = np.flatnonzero(pretrial_sup)
        parole_len = np.where(
            final_agency == DOC,
            np.clip(doc_max - doc_served - credit, 120, 1800),
            np.clip(hoc_days - hoc_served, 60, 500),
        )
        prob_len = np.clip(lognormal_days(rng, 365, 0.4, n), 90, 1100)
        sup_start = np.where(incarcerated, final_release_day, dispo)
        kinds = np.concatenate(
            [np.full(rows_par.size, "parole"), np.full(rows_prb.size, "probation"), np.full(rows_pt.size, "probation")]
        )
        rows = np.concatenate([rows_par, rows_prb, rows_pt])
        starts = np.concatenate([sup_start[rows_par], sup_start[rows_prb], hold_end[rows_pt]])
        lengths = np.concatenate(
            [parole_len[rows_par], prob_len[rows_prb], np.maximum(1, dispo[rows_pt] - hold_end[rows_pt])]
        )
        types = np.concatenate([np.full(rows_par.size, ""), sup_type[rows_prb], np.full(rows_pt.size, "PT")])
        sup_agency = np.concatenate([final_agency[rows_par], sheriff[rows_prb], sheriff[rows_pt]])
        sup_stay = np.concatenate([final_stay[rows_par], final_stay[rows_prb], np.full(rows_pt.size, -1)])
        new_pending = PendingSupervision(
            sup_id=np.full(n, -1, dtype=np.int64),
            end=np.full(n, NA_DAY),
            kind=np.full(n, "", dtype="<U9"),
            agency=np.zeros(n, dtype=np.int64),
        )
        if rows.size:
            sup_id, sup_end, pending, vend = self.open_supervision(
                person[rows], kinds, sup_agency, starts, lengths, types, episode[rows], sup_stay
            )
            keep = pending & (kinds != "") & (types != "PT")
            # a person keeps the last opened supervision as the one a new arrest may violate
            new_pending.sup_id[rows[keep]] = sup_id[keep]
            new_pending.end[rows[keep]] = sup_end[keep]
            new_pending.kind[rows[keep]] = kinds[keep]
            new_pending.agency[rows[keep]] = sup_agency[keep]
            last_day[rows] = np.where(last_day[rows] == NA_DAY, NA_DAY, np.maximum(last_day[rows], vend))

        alive = ~life & (final_release != "deceased")
        self.episodes.append(
            {
                "episode_id": episode,
                "person_id": person,
                "court": court,
                "county_sheriff": sheriff,
                "superior": superior,
                "arrest": arrest,
                "filing": filing,
                "arraignment": arraign,
                "disposition": dispo,
                "convicted": convicted,
                "sentence": sentence,
                "not_convicted": np.where(convicted, "", not_conv).astype("<U3"),
                "sentence_days": sentence_days,
                "doc_min_days": np.where(to_doc & ~life, doc_min, 0),
                "life": life,
                "lead_charge_no": charges["charge_no"][lead],
                "violator": violator.astype("<U9"),
                "last_day": last_day,
            }
        )
        self.charges.append(charges)
        return last_day, alive, new_pending


def _special_stays(rng: np.random.Generator, people: Frame, ids: Ids) -> tuple[Frame, Frame]:
    """Civil commitments, federal and interstate-compact custody of the excluded populations (R-EX-1)."""
    stays, statuses = [], []
    specs = {
        # category: (status, admission, release, median days, sigma, DOC share, county weights)
        "civil_commitment": ("CIV", "civil", "other", 45, 0.4, 0.5, {"Hampden": 3, "Middlesex": 3, "Bristol": 2}),
        "federal": (
            "FED",
            "federal",
            "to_other_agency",
            150,
            0.9,
            0.1,
            {"Plymouth": 4, "Bristol": 2, "Suffolk": 2, "Essex": 1, "Worcester": 1, "Hampden": 1},
        ),
        "interstate_compact": ("ISC", "interstate", "to_other_agency", 700, 0.6, 0.9, {"Suffolk": 1, "Worcester": 1}),
    }
    for category, (status, admission, release, median, sigma, doc_share, weights) in specs.items():
        who = np.flatnonzero(people["category"] == category)
        if not who.size:
            continue
        count = 1 + np.minimum(rng.poisson(0.5, who.size), 4)
        rows = np.repeat(who, count)
        k = group_rank(rows)
        start = people["career_start"][rows] + k * 400 + rng.integers(0, 300, rows.size)
        length = lognormal_days(rng, median, sigma, rows.size)
        names_ = list(weights)
        county = choice(rng, names_, [weights[c] for c in names_], rows.size)
        agency = np.array([SHERIFF_INDEX[c] + 1 for c in county])
        agency = np.where(rng.random(rows.size) < doc_share, DOC, agency)
        adm = np.where((agency != DOC) & (admission == "interstate"), "transfer_in", admission)
        frame = _stay_frame(ids, people["person_id"][rows], agency, start, start + length, adm, release, -1, "special")
        stays.append(frame)
        facility = np.where(agency == DOC, "", "JAIL")
        statuses.append(_status_frame(frame["stay_id"], status, facility, start, start + length))
    return concat(stays), concat(statuses)


def _apply_supervision_updates(supervisions: Frame, updates: Frame) -> None:
    if not updates:
        return
    pos = np.searchsorted(supervisions["supervision_id"], updates["supervision_id"])
    supervisions["end"][pos] = np.minimum(supervisions["end"][pos], updates["end"])
    supervisions["end_reason"][pos] = updates["end_reason"]


def holding_agency(counties: np.ndarray) -> np.ndarray:
    """Agency number (1 + Sheriff index) of the Sheriff's Office holding each county's defendants."""
    uniq, inverse = np.unique(np.asarray(counties), return_inverse=True)
    agency = np.array([SHERIFF_INDEX[holding_sheriff(c)] + 1 for c in uniq.tolist()], dtype=np.int64)
    return agency[inverse.reshape(-1)]


def simulate_world(
    people: Frame, rng: np.random.Generator, p: LifeCourseParams, statutes: Statutes, as_of: int
) -> World:
    """Every person's life course up to `as_of` (later events are simulated then cut off by censoring)."""
    ids = Ids()
    step = EpisodeStep(rng, p, statutes, ids)
    regular = np.flatnonzero(np.isin(people["category"], ["", "juvenile"]))
    n = len(people["person_id"])
    t_from = people["career_start"].copy()
    active = np.zeros(n, dtype=bool)
    active[regular] = True
    rate = p.arrests_per_year * people["risk"]
    horizon = np.minimum(people["career_end"], as_of)
    prior_inc = np.zeros(n, dtype=np.int64)
    pend = PendingSupervision(
        sup_id=np.full(n, -1, dtype=np.int64),
        end=np.full(n, NA_DAY),
        kind=np.full(n, "", dtype="<U9"),
        agency=np.zeros(n, dtype=np.int64),
    )
    first_episode = True
    for _ in range(p.max_episodes):
        idx = np.flatnonzero(active)
        if not idx.size:
            break
        if first_episode:
            arrest = t_from[idx]  # a career starts with its first arrest
            first_episode = False
        else:
            arrest = draw_next_arrest(rng, t_from[idx], rate[idx], people["birth_date"][idx], horizon[idx], p)
        arrested = arrest <= horizon[idx]
        violator, violator_agency = step.resolve_pending(pend, idx, arrest, arrested)
        go = idx[arrested]
        active[idx[~arrested]] = False
        if not go.size:
            break
        last_day, alive, new_pend = step.simulate(
            people, go, arrest[arrested], violator[arrested], violator_agency[arrested], prior_inc[go]
        )
        episodes = step.episodes[-1]
        prior_inc[go] += np.isin(episodes["sentence"], ["HOC", "DOC"])
        t_from[go] = np.where(last_day == NA_DAY, t_from[go], last_day + 1)
        active[go] = alive & (last_day != NA_DAY)
        pend.sup_id[go], pend.end[go] = new_pend.sup_id, new_pend.end
        pend.kind[go], pend.agency[go] = new_pend.kind, new_pend.agency

    special_stays, special_statuses = _special_stays(rng, people, ids)
    supervisions = concat(step.supervisions)
    _apply_supervision_updates(supervisions, concat(step.sup_updates))
    stays = concat([*step.stays, special_stays])
    order = np.argsort(stays["stay_id"], kind="stable")
    stays = {k: v[order] for k, v in stays.items()}
    return World(
        people=people,
        episodes=concat(step.episodes),
        charges=concat(step.charges),
        stays=stays,
        statuses=concat([*step.statuses, special_statuses]),
        supervisions=supervisions,
        violations=concat(step.violations),
    )
