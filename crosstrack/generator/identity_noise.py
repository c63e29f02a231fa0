"""Identity noise on person records: the ways a real legacy extract makes one person look like several, and several
people look like one (docs/generator.md, "Identity noise"). Rates are `IdentityNoiseRates` (config.py), chosen by
`crosstrack generate --profile`; every noisy record is logged in truth/identity_noise (system, file, record id,
person id, column, noise kind), so the linkage can be measured per kind (scripts/linkage_report.py).

Person-level noise (twins, look-alikes, a second SID, an alias, another surname) is drawn once per person
(`person_variants`, `add_look_alikes`); record-level noise (`apply_record_noise`) is drawn per record from a stream of
its own, so the default profile (no identity noise) writes exactly what it wrote before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np

from crosstrack.generator import names
from crosstrack.generator.config import IdentityNoiseRates
from crosstrack.generator.frames import NA_DAY, Frame, year_of
from crosstrack.linkage.records import LEGACY_BEFORE_YEAR, LEGACY_SYSTEMS  # pre-2018 court and county records

SUFFIXES = np.array(["JR", "SR", "II", "III"])
KEYBOARD_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
PHONETIC = (
    ("PH", "F"),
    ("F", "PH"),
    ("CK", "K"),
    ("C", "K"),
    ("K", "C"),
    ("Y", "I"),
    ("I", "Y"),
    ("S", "Z"),
    ("Z", "S"),
    ("EI", "IE"),
    ("IE", "EI"),
    ("OU", "U"),
    ("TH", "T"),
    ("V", "B"),
    ("W", "V"),
    ("LL", "L"),
    ("TT", "T"),
    ("NN", "N"),
    ("SS", "S"),
    ("RR", "R"),
    ("EE", "I"),
)
# Record-level kinds, in the order they are drawn (a record gets at most one).
RECORD_KINDS = (
    "nickname",
    "alias",
    "compound_surname",
    "married_name",
    "suffix",
    "keyboard_typo",
    "phonetic_typo",
    "birth_date_digit",
    "birth_year_typo",
    "missing_birth_date",
    "transposed_sid",
)


@cache
def nicknames() -> dict[str, tuple[str, ...]]:
    """Given name -> its nicknames and short forms (the linker's nickname table)."""
    from crosstrack.linkage.records import nickname_pairs

    table: dict[str, list[str]] = {}
    for name, nickname in nickname_pairs():
        table.setdefault(name, []).append(nickname)
    return {name: tuple(nicks) for name, nicks in table.items()}


@dataclass(frozen=True)
class PersonVariants:
    """Per person (index person_id - 1): the other identities a noisy record may show."""

    alias_first: np.ndarray
    alias_last: np.ndarray
    other_surname: np.ndarray
    second_surname: np.ndarray
    suffix: np.ndarray
    second_sid: np.ndarray  # text; "" when the person has none
    is_female: np.ndarray
    look_alike_kind: np.ndarray  # "twin", "look_alike" or ""


def add_look_alikes(people: Frame, rates: IdentityNoiseRates, rng: np.random.Generator) -> tuple[Frame, np.ndarray]:
    """Twins (same last name and birth date, another first name) and look-alikes (same first and last name and
    birth date): each chosen person is paired with the person born next after them, who takes on their identity.
    Returns the people and each person's kind ("twin", "look_alike" or "")."""
    n = len(people["person_id"])
    kind = np.full(n, "", dtype="<U10")
    if rates.twin == 0 and rates.look_alike == 0:
        return people, kind
    people = dict(people)
    for name in ("first_name", "last_name", "birth_date"):
        people[name] = people[name].copy()
    order = np.argsort(people["birth_date"], kind="stable")
    u = rng.random(n - 1)
    used = np.zeros(n, dtype=bool)
    for position in np.flatnonzero(u < rates.twin + rates.look_alike):
        source, partner = order[position], order[position + 1]
        if used[source] or used[partner]:
            continue
        used[source] = used[partner] = True
        people["last_name"][partner] = people["last_name"][source]
        people["birth_date"][partner] = people["birth_date"][source]
        is_twin = u[position] < rates.twin and people["first_name"][partner] != people["first_name"][source]
        if not is_twin:
            people["first_name"][partner] = people["first_name"][source]
        kind[[source, partner]] = "twin" if is_twin else "look_alike"
    return people, kind


def person_variants(
    people: Frame, rates: IdentityNoiseRates, rng: np.random.Generator, look_alike_kind: np.ndarray
) -> PersonVariants:
    n = len(people["person_id"])
    last = np.asarray(names.LAST_NAMES)
    female = people["sex"] == "F"
    first_pool = np.where(
        female,
        np.asarray(names.FEMALE_FIRST_NAMES)[rng.integers(0, len(names.FEMALE_FIRST_NAMES), n)],
        np.asarray(names.MALE_FIRST_NAMES)[rng.integers(0, len(names.MALE_FIRST_NAMES), n)],
    )
    has_second = rng.random(n) < rates.second_sid_person
    top = int(people["sid"].max(initial=0)) + 1
    second = np.char.zfill((top + np.arange(n)).astype(str), 8)
    return PersonVariants(
        alias_first=first_pool,
        alias_last=last[rng.integers(0, len(last), n)],
        other_surname=last[rng.integers(0, len(last), n)],
        second_surname=last[rng.integers(0, len(last), n)],
        suffix=SUFFIXES[rng.integers(0, len(SUFFIXES), n)],
        second_sid=np.where(has_second, second, ""),
        is_female=female,
        look_alike_kind=look_alike_kind,
    )


@dataclass
class NoiseLog:
    rows: list[np.ndarray]
    columns: list[str]
    kinds: list[str]

    def add(self, rows: np.ndarray, column: str, kind: str) -> None:
        self.rows.append(np.asarray(rows, dtype=np.int64))
        self.columns.append(column)
        self.kinds.append(kind)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), np.zeros(0, dtype=object)
        rows = np.concatenate(self.rows)
        sizes = [r.size for r in self.rows]
        columns = np.repeat(np.asarray(self.columns, dtype=object), sizes)
        kinds = np.repeat(np.asarray(self.kinds, dtype=object), sizes)
        return rows, columns, kinds


def _text(values) -> np.ndarray:
    from crosstrack.generator.faults import _as_text

    return _as_text(values).astype(object)


def keyboard_typo(name: str, rng: np.random.Generator) -> str:
    """One letter replaced by its left or right neighbour on the keyboard."""
    positions = [i for i, c in enumerate(name) if c.isalpha()]
    if not positions:
        return name
    i = positions[int(rng.integers(0, len(positions)))]
    row = next((r for r in KEYBOARD_ROWS if name[i].upper() in r), None)
    if row is None:
        return name
    j = row.index(name[i].upper())
    neighbours = [row[k] for k in (j - 1, j + 1) if 0 <= k < len(row)]
    return name[:i] + neighbours[int(rng.integers(0, len(neighbours)))] + name[i + 1 :]


def phonetic_typo(name: str, rng: np.random.Generator) -> str:
    """A sound-alike spelling: one applicable substitution at one of its places; else a letter doubled."""
    upper = name.upper()
    options = [(a, b) for a, b in PHONETIC if a in upper]
    if not options:
        i = int(rng.integers(0, len(name))) if name else 0
        return name[: i + 1] + name[i : i + 1] + name[i + 1 :]
    a, b = options[int(rng.integers(0, len(options)))]
    starts = [i for i in range(len(upper)) if upper.startswith(a, i)]
    i = starts[int(rng.integers(0, len(starts)))]
    return name[:i] + b + name[i + len(a) :]


def _date(days: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(days))


def _days(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def birth_date_digit(days: int, rng: np.random.Generator) -> int:
    """One digit of the day or the month replaced; the result is another real date."""
    date = _date(days)
    for _ in range(20):
        part = "day" if rng.random() < 0.7 else "month"
        text = list(f"{getattr(date, part):02d}")
        k = int(rng.integers(0, 2))
        text[k] = str(int(rng.integers(0, 10)))
        value = int("".join(text))
        try:
            new = date.replace(**{part: value})
        except ValueError:
            continue
        if new != date:
            return _days(new)
    return days + (1 if date.day < 28 else -1)


def birth_year_typo(days: int, rng: np.random.Generator, latest: int) -> int:
    """The year one or ten off, or its last two digits transposed; never after `latest`."""
    date = _date(days)
    year = date.year
    swapped = int(str(year)[:2] + str(year)[3] + str(year)[2])
    candidates = [year - 1, year + 1, year - 10, year + 10] + ([swapped] if swapped != year else [])
    rng.shuffle(candidates)
    for candidate in candidates:
        try:
            new = _days(date.replace(year=candidate))
        except ValueError:  # 29 February
            new = _days(date.replace(year=candidate, day=28))
        if new <= latest and new != days:
            return new
    return days - 365


def transposed_sid(sid: str, rng: np.random.Generator) -> str:
    """Two adjacent, different digits swapped (not the leading zero padding)."""
    places = [i for i in range(len(sid) - 1) if sid[i] != sid[i + 1] and sid[: i + 1].strip("0")]
    if not places:
        return sid
    i = places[int(rng.integers(0, len(places)))]
    return sid[:i] + sid[i + 1] + sid[i] + sid[i + 2 :]


def apply_record_noise(
    frame: Frame,
    system: str,
    columns: dict[str, str],
    rates: IdentityNoiseRates,
    variants: PersonVariants,
    rng: np.random.Generator,
    already_faulty: np.ndarray,
    latest_birth: int,
) -> NoiseLog:
    """Identity noise on a person file's typed frame, in place. `columns` maps staged names (sid, last_name,
    first_name, birth_date) to the file's column names; rows in `already_faulty` (a data-quality fault) are left
    alone. Returns the log (0-based rows)."""
    log = NoiseLog([], [], [])
    n = len(frame["_person_id"])
    if n == 0:
        return log
    who = frame["_person_id"].astype(np.int64) - 1
    legacy = (system in LEGACY_SYSTEMS) & (year_of(frame["_created"]) < LEGACY_BEFORE_YEAR)
    scale = np.where(legacy, 1.0, rates.recent_factor)
    taken = np.zeros(n, dtype=bool)
    taken[already_faulty] = True
    first, last = _text(frame["first_name"]), _text(frame["last_name"])
    delivered_last = last.copy()
    birth = np.asarray(frame["birth_date"]).copy()
    sid = _text(frame["sid"])
    nick = nicknames()
    eligible = {
        "nickname": np.array([f in nick for f in first], dtype=bool),
        "married_name": variants.is_female[who],
        "birth_date_digit": birth != NA_DAY,
        "birth_year_typo": birth != NA_DAY,
        "missing_birth_date": birth != NA_DAY,
        "transposed_sid": sid != "",
    }
    for kind in RECORD_KINDS:
        rate = getattr(rates, kind)
        if rate == 0:
            continue
        hit = (rng.random(n) < rate * scale) & ~taken & eligible.get(kind, True)
        rows = np.flatnonzero(hit)
        taken |= hit
        column = "first_name"
        for r in rows:
            p = who[r]
            if kind == "nickname":
                options = nick[first[r]]
                first[r] = options[int(rng.integers(0, len(options)))]
            elif kind == "alias":
                first[r], last[r] = variants.alias_first[p], variants.alias_last[p]
                column = "last_name"
            elif kind == "compound_surname":
                joiner = ("-", " ", "")[int(rng.integers(0, 3))]
                last[r] = f"{last[r]}{joiner}{variants.second_surname[p]}"
                column = "last_name"
            elif kind == "married_name":
                last[r] = variants.other_surname[p]
                column = "last_name"
            elif kind == "suffix":
                last[r] = f"{last[r]} {variants.suffix[p]}"
                column = "last_name"
            elif kind in ("keyboard_typo", "phonetic_typo"):
                typo = keyboard_typo if kind == "keyboard_typo" else phonetic_typo
                if rng.random() < 0.5:
                    first[r] = typo(first[r], rng)
                else:
                    last[r] = typo(last[r], rng)
                    column = "last_name"
            elif kind == "birth_date_digit":
                birth[r] = birth_date_digit(birth[r], rng)
                column = "birth_date"
            elif kind == "birth_year_typo":
                birth[r] = birth_year_typo(birth[r], rng, latest_birth)
                column = "birth_date"
            elif kind == "missing_birth_date":
                birth[r] = NA_DAY
                column = "birth_date"
            elif kind == "transposed_sid":
                sid[r] = transposed_sid(sid[r], rng)
                column = "sid"
        if kind in ("keyboard_typo", "phonetic_typo"):  # logged with the name it changed
            in_last = last[rows] != delivered_last[rows]
            log.add(rows[in_last], columns["last_name"], kind)
            log.add(rows[~in_last], columns["first_name"], kind)
        else:
            log.add(rows, columns[column], kind)
    second = variants.second_sid[who]
    rows = np.flatnonzero(legacy & (second != "") & (sid != "") & ~taken & (rng.random(n) < 0.5))
    sid[rows] = second[rows]
    log.add(rows, columns["sid"], "second_sid")
    pair_kind = variants.look_alike_kind[who]
    for kind in ("twin", "look_alike"):
        log.add(np.flatnonzero(pair_kind == kind), "", kind)
    frame["first_name"], frame["last_name"], frame["birth_date"], frame["sid"] = first, last, birth, sid
    return log
