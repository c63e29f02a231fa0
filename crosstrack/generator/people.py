"""Synthetic people: identity, demographics, criminal propensity and career window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crosstrack.generator import names
from crosstrack.generator.config import COUNTY_SIZES
from crosstrack.generator.frames import Frame, choice

GENDER_IDENTITIES = ("AG", "BG", "CG", "EX", "GF", "IS", "NB", "TG", "TS", "VA")  # canonical = IMS codes


@dataclass(frozen=True)
class PeopleParams:
    """How the simulated population is drawn."""

    female_share: float = 0.16
    """Share of people whose assigned sex is female."""
    hispanic_share: float = 0.24
    """Share of people of Hispanic ethnicity."""
    juvenile_start_share: float = 0.04
    """Share of careers that start at 16 or 17 (R-EX-1: custody under 18 is excluded)."""
    civil_share: float = 0.015
    """Share of people who appear only as civil commitments (R-EX-1)."""
    federal_share: float = 0.008
    """Share of people who appear only as federal detainees or inmates."""
    interstate_share: float = 0.002
    """Share of people who appear only under an interstate compact."""
    career_years_mean: float = 7.0
    """Mean length of an offending career in years (exponential)."""
    other_gender_identity_share: float = 0.012
    """Share of people with a gender identity other than male or female."""


def draw_people(n: int, rng: np.random.Generator, p: PeopleParams, first_day: int, last_day: int) -> Frame:
    """n people with careers starting uniformly between first_day and last_day."""
    is_female = rng.random(n) < p.female_share
    sex = np.where(is_female, "F", "M")
    career_start = rng.integers(first_day, last_day + 1, n)
    age = 17.0 + rng.lognormal(np.log(8.0), 0.8, n)
    juvenile = rng.random(n) < p.juvenile_start_share
    age = np.where(juvenile, 16.0 + 2.0 * rng.random(n) * 0.999, np.minimum(age, 78.0))
    birth = career_start - np.floor(age * 365.25).astype(np.int64)

    u = rng.random(n)
    category = np.full(n, "", dtype="<U18")
    category[u < p.civil_share] = "civil_commitment"
    category[(u >= p.civil_share) & (u < p.civil_share + p.federal_share)] = "federal"
    upper = p.civil_share + p.federal_share + p.interstate_share
    category[(u >= p.civil_share + p.federal_share) & (u < upper)] = "interstate_compact"
    category[(category == "") & juvenile] = "juvenile"

    hispanic = rng.random(n) < p.hispanic_share
    race = choice(rng, ["W", "B", "A", "I", "P", "MR", "UN"], [66, 25, 2.5, 0.6, 0.2, 3.0, 2.7], n)
    race_if_hispanic = choice(rng, ["W", "B", "MR", "UN"], [55, 8, 12, 25], n)
    race = np.where(hispanic, race_if_hispanic, race)
    ethnicity = np.where(hispanic, "H", "N")
    ethnicity[rng.random(n) < 0.03] = "U"

    gender = sex.astype("<U2")
    other = rng.random(n) < p.other_gender_identity_share
    gender[other] = np.asarray(GENDER_IDENTITIES)[rng.integers(0, len(GENDER_IDENTITIES), other.sum())]

    counties = list(COUNTY_SIZES)
    home_county = choice(rng, counties, [COUNTY_SIZES[c] for c in counties], n)
    first_names = np.where(
        is_female,
        np.asarray(names.FEMALE_FIRST_NAMES)[rng.integers(0, len(names.FEMALE_FIRST_NAMES), n)],
        np.asarray(names.MALE_FIRST_NAMES)[rng.integers(0, len(names.MALE_FIRST_NAMES), n)],
    )
    last_names = np.asarray(names.LAST_NAMES)[rng.integers(0, len(names.LAST_NAMES), n)]
    sid = rng.choice(np.arange(1_000_000, 1_000_000 + 4 * n + 100), size=n, replace=False)
    return {
        "person_id": np.arange(1, n + 1, dtype=np.int64),
        "first_name": first_names,
        "last_name": last_names,
        "birth_date": birth,
        "sex": sex,
        "gender_identity": gender,
        "race": race,
        "ethnicity": ethnicity,
        "sid": sid.astype(np.int64),
        "category": category,
        "home_county": home_county,
        "risk": rng.gamma(1.4, 1 / 1.4, n),
        "career_start": career_start,
        "career_end": career_start + np.round(rng.exponential(p.career_years_mean * 365.25, n)).astype(np.int64),
    }
