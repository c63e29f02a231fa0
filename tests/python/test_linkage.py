"""The splink linker on hard pairs (tiny frames scored with the packaged model), the reviewers' decisions, the
clustering, and the generator's identity noise functions (docs/identity.md, "Probabilistic linkage")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from crosstrack.generator import identity_noise, names
from crosstrack.linkage import link
from crosstrack.linkage.model import load_model
from crosstrack.linkage.records import custody_sql, prepare_records

COLUMNS = ["source_system", "source_record_id", "sid", "last_name", "first_name", "birth_date", "sex", "race"]
RECORD_DATE = "record_date"  # a court docket's filing date (records.RECORD_DATES), else None


def _background(n: int = 400) -> list[tuple]:
    """Unrelated people, so that the term frequencies of the hard pairs' names are those of a population."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=int(rng.integers(0, 18000)))
        rows.append(
            (
                "probation",
                f"BG{i}",
                f"{2_000_000 + i:08d}",
                names.LAST_NAMES[int(rng.integers(0, len(names.LAST_NAMES)))],
                names.MALE_FIRST_NAMES[int(rng.integers(0, len(names.MALE_FIRST_NAMES)))],
                birth,
                "Male",
                "White",
            )
        )
    return rows


def _scored(rows: list[tuple], background: int = 400) -> tuple[duckdb.DuckDBPyConnection, dict[frozenset, float]]:
    con = link._connect("1GB")
    rows = [row if len(row) > len(COLUMNS) else (*row, None) for row in rows + _background(background)]
    frame = pd.DataFrame(rows, columns=[*COLUMNS, RECORD_DATE])
    frame[RECORD_DATE] = pd.to_datetime(frame[RECORD_DATE]).dt.date
    con.register("frame", frame)
    con.execute("create temp table raw_records as select * from frame")
    prepare_records(con, "raw_records", "person_records")
    link.score(con, load_model())  # the prior of the training delivery's size, not of this tiny frame
    edges = con.execute("select unique_id_l, unique_id_r, match_probability from edges").fetchall()
    return con, {frozenset((a, b)): p for a, b, p in edges}


def _probability(scores: dict[frozenset, float], a: str, b: str) -> float:
    return scores.get(frozenset((a, b)), 0.0)  # a pair not blocked or below REVIEW_LOW scores as 0


D = dt.date


HARD_PAIRS = [
    # nickname plus a typo, no SID on the court record
    ("ims", "W1", "01234567", "SULLIVAN", "WILLIAM", D(1980, 1, 2), "Male", "White"),
    ("masscourts", "C1", None, "SULLIVNA", "BILL", D(1980, 1, 2), "Male", "White"),
    # twins: same last name and birth date, another first name, their own SIDs
    ("ims", "T1", "01300001", "OKAFOR", "KWAME", D(1991, 6, 9), "Male", "Black / African American"),
    ("oms", "T2", "01300002", "OKAFOR", "MALIK", D(1991, 6, 9), "Male", "Black / African American"),
    # one person with two SIDs in legacy data: all else agrees
    ("jms", "S1", "01400001", "PELLETIER", "NADIA", D(1975, 11, 23), "Female", "White"),
    ("masscourts", "S2", "05400009", "PELLETIER", "NADIA", D(1975, 11, 23), "Female", "White"),
    # a wrong SID: R2 carries A's SID (R1) but is B (R3)
    ("ims", "R1", "01500001", "NGUYEN", "MINH", D(1969, 4, 30), "Male", "Asian / Pacific Islander"),
    ("probation", "R3", "01600001", "CABRAL", "JOSE", D(1988, 8, 14), "Male", "White"),
    ("masscourts", "R2", "01500001", "CABRAL", "JOSE", D(1988, 8, 14), "Male", "White"),
    # an alias delivered as the main name: the SID and the birth date agree, no name does
    ("ims", "A1", "01800001", "BAKER", "JOHN", D(1979, 2, 2), "Male", "White"),
    ("masscourts", "A2", "01800001", "FONTAINE", "LUIS", D(1979, 2, 2), "Male", "White"),
    # a transposed SID
    ("ims", "X1", "01723456", "MORIARTY", "SEAN", D(1984, 3, 17), "Male", "White"),
    ("oms", "X2", "01724356", "MORIARTY", "SEAN", D(1984, 3, 17), "Male", "White"),
    # look-alikes: same names and birth date, each their own SID on a current (probation, parole) record, and a
    # court record without a SID that links to both
    ("probation", "L1", "01910001", "RIVERA", "JOSE", D(1985, 5, 5), "Male", "White"),
    ("parole", "L2", "01920002", "RIVERA", "JOSE", D(1985, 5, 5), "Male", "White"),
    ("masscourts", "L3", None, "RIVERA", "JOSE", D(1985, 5, 5), "Male", "White"),
    # a person with a second SID on a legacy (court, filed before 2018) record, the first on a current one
    ("probation", "P1", "01950001", "GAGNON", "LUC", D(1972, 9, 30), "Male", "White"),
    ("masscourts", "P2", "01990009", "GAGNON", "LUC", D(1972, 9, 30), "Male", "White", D(2015, 4, 1)),
    # look-alikes: the same, but the court record filed in 2020 is current data, where no one has a second SID
    ("probation", "N1", "01960001", "LAVOIE", "DAVID", D(1978, 7, 20), "Male", "White"),
    ("masscourts", "N2", "01960777", "LAVOIE", "DAVID", D(1978, 7, 20), "Male", "White", D(2020, 4, 1)),
]


@pytest.fixture(scope="module")
def hard_pairs():
    con, scores = _scored(HARD_PAIRS)
    yield con, scores
    con.close()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ims:W1", "masscourts:C1"),  # a nickname with a typo and no SID
        ("jms:S1", "masscourts:S2"),  # a person with two SIDs
        ("probation:R3", "masscourts:R2"),  # a wrong SID: linked to the person, not to the SID
        ("ims:A1", "masscourts:A2"),  # an alias with the SID and the birth date
        ("ims:X1", "oms:X2"),  # a transposed SID
    ],
    ids=["nickname_typo_no_sid", "two_sids", "wrong_sid_person", "alias", "transposed_sid"],
)
def test_a_hard_pair_of_one_person_links(hard_pairs, a: str, b: str):
    _, scores = hard_pairs
    assert _probability(scores, a, b) >= link.MATCH_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ims:T1", "oms:T2"),  # twins
        ("ims:R1", "masscourts:R2"),  # a wrong SID: the SID's holder is another person
    ],
    ids=["twins", "wrong_sid_holder"],
)
def test_a_hard_pair_of_two_people_stays_apart(hard_pairs, a: str, b: str):
    _, scores = hard_pairs
    assert _probability(scores, a, b) < link.MATCH_THRESHOLD


def test_a_pairs_probability_does_not_fall_as_the_delivery_grows(hard_pairs):
    """The prior is the training delivery's whatever the size of the delivery linked: a person's look-alikes and
    second SIDs come with the person, so ten times the records must not lower the score of the same pair."""
    _, scores = hard_pairs
    con, grown = _scored(HARD_PAIRS, background=4000)
    con.close()
    pairs = [pair for pair in scores if not any(record.startswith("probation:BG") for record in pair)]
    assert len(pairs) >= 8
    for pair in pairs:
        assert grown.get(pair, 0.0) >= scores[pair] - 1e-9, sorted(pair)


def _anchors(con: duckdb.DuckDBPyConnection, tmp_path: Path, threshold: float = link.MATCH_THRESHOLD) -> pd.Series:
    link.cluster(con, threshold)
    out = tmp_path / "links.parquet"
    link.write_link_table(con, threshold, out)
    return pq.read_table(out).to_pandas().set_index(["source_system", "source_record_id"])["link_anchor"]


def test_a_record_without_a_sid_does_not_chain_two_look_alikes(hard_pairs, tmp_path):
    con, scores = hard_pairs
    # at a threshold where every pair links by its score, the clustering alone keeps two people with current SIDs
    # apart
    threshold = 0.95
    assert _probability(scores, "probation:L1", "parole:L2") >= threshold
    assert _probability(scores, "probation:L1", "masscourts:L3") >= threshold
    assert _probability(scores, "parole:L2", "masscourts:L3") >= threshold
    anchor = _anchors(con, tmp_path, threshold)
    assert anchor["probation", "L1"] != anchor["parole", "L2"]
    # matching both people as well, it is ambiguous: it joins neither (a person of its own), not the first found
    assert anchor["masscourts", "L3"] not in (anchor["probation", "L1"], anchor["parole", "L2"])


def test_review_asks_only_for_decisions_that_change_the_persons(hard_pairs, tmp_path):
    con, scores = hard_pairs
    anchor = _anchors(con, tmp_path)
    assert link.export_review(con, tmp_path / "review") > 0
    review = pq.read_table(tmp_path / "review" / "review_pairs.parquet").to_pandas()
    persons = [
        (anchor[row.source_system_l, row.source_record_id_l], anchor[row.source_system_r, row.source_record_id_r])
        for row in review.itertuples()
    ]
    assert all(a != b for a, b in persons)  # never two records of one person
    assert len(set(map(frozenset, persons))) == len(persons)  # one pair per two persons
    assert (review["match_probability"] >= link.REVIEW_LOW).all()
    # the look-alike the clustering refused (a link by its score) is the reviewers' to decide
    assert _probability(scores, "probation:N1", "masscourts:N2") >= link.MATCH_THRESHOLD
    refused = review[(review["source_record_id_l"] == "N1") | (review["source_record_id_r"] == "N1")]
    assert set(refused[["source_record_id_l", "source_record_id_r"]].iloc[0]) == {"N1", "N2"}


def test_a_second_sid_on_a_legacy_record_joins_the_person(hard_pairs, tmp_path):
    con, scores = hard_pairs
    assert _probability(scores, "probation:P1", "masscourts:P2") >= link.MATCH_THRESHOLD
    anchor = _anchors(con, tmp_path)
    assert anchor["probation", "P1"] == anchor["masscourts", "P2"]


def test_a_look_alike_on_a_recent_court_record_stays_apart(hard_pairs, tmp_path):
    con, scores = hard_pairs
    assert _probability(scores, "probation:N1", "masscourts:N2") >= link.MATCH_THRESHOLD  # the score alone links
    anchor = _anchors(con, tmp_path)
    assert anchor["probation", "N1"] != anchor["masscourts", "N2"]


def test_two_sids_join_only_through_records_of_the_same_name_and_birth_date():
    current = {"sids": {"01234567": True}, "sex": {"Male"}, "race": {"White"}}
    legacy = {"sids": {"01234789": False}, "sex": {"Male"}, "race": {"White"}}
    assert not link._conflict(current, legacy, exact=True)
    assert link._conflict(current, legacy, exact=False)


def test_a_record_matching_one_of_two_people_much_better_joins_that_one(tmp_path):
    rows = [  # two people under the same names and birth date, of different races; a court record without a SID
        ("probation", "D1", "01970001", "MARCHAND", "PAUL", D(1970, 1, 1), "Male", "White"),
        ("parole", "D2", "01970002", "MARCHAND", "PAUL", D(1970, 1, 1), "Male", "Black / African American"),
        ("masscourts", "D3", None, "MARCHAND", "PAUL", D(1970, 1, 1), "Male", "White"),
    ]
    con, scores = _scored(rows)
    weight = {
        r: np.log2(_probability(scores, "masscourts:D3", r) / (1 - _probability(scores, "masscourts:D3", r)))
        for r in ("probation:D1", "parole:D2")
    }
    assert min(_probability(scores, "masscourts:D3", r) for r in weight) >= link.MATCH_THRESHOLD  # both link
    assert weight["probation:D1"] - weight["parole:D2"] >= link.AMBIGUITY_MARGIN_BITS
    anchor = _anchors(con, tmp_path)
    con.close()
    assert anchor["masscourts", "D3"] == anchor["probation", "D1"] != anchor["parole", "D2"]


HELD = [  # a county record and a prison record under the same names and birth date, each with its own legacy SID
    ("jms", "H1", "02100001", "BOUCHER", "ANDRE", D(1970, 2, 14), "Male", "White"),
    ("ims", "H2", "02100777", "BOUCHER", "ANDRE", D(1970, 2, 14), "Male", "White"),
]


@pytest.fixture(scope="module")
def held():
    con, scores = _scored(HELD)
    yield con, scores
    con.close()


@pytest.mark.parametrize(
    ("jail", "prison", "one_person"),
    [
        ((D(2010, 1, 1), D(2010, 6, 1)), (D(2010, 3, 1), D(2012, 1, 1)), False),  # held in both at once
        ((D(2010, 1, 1), D(2010, 6, 1)), (D(2010, 6, 1), D(2012, 1, 1)), True),  # a transfer: one day in both
        ((D(2010, 1, 1), None), (D(2010, 3, 1), D(2012, 1, 1)), True),  # no release date: its first day alone
        ((D(2001, 1, 1), D(2001, 6, 1)), (D(2010, 3, 1), D(2012, 1, 1)), True),  # years apart
    ],
    ids=["overlap", "transfer", "open", "apart"],
)
def test_records_held_in_custody_at_the_same_time_are_two_people(held, tmp_path, jail, prison, one_person):
    con, scores = held
    assert _probability(scores, "jms:H1", "ims:H2") >= link.MATCH_THRESHOLD  # the score alone links
    con.execute("create or replace temp table custody_periods (unique_id varchar, start_date date, end_date date)")
    con.executemany("insert into custody_periods values (?, ?, ?)", [("jms:H1", *jail), ("ims:H2", *prison)])
    anchor = _anchors(con, tmp_path)
    assert (anchor["jms", "H1"] == anchor["ims", "H2"]) is one_person


def test_the_custody_periods_come_from_the_custody_files(tmp_path):
    typed = tmp_path / "landing"
    (typed / "jms").mkdir(parents=True)
    pd.DataFrame(
        {
            "commitment_id": ["C1"],
            "jms_person_id": ["H1"],
            "commit_ts": [pd.Timestamp("2010-01-01 10:00")],
            "release_ts": [pd.NaT],
        }
    ).to_parquet(typed / "jms" / "commitments.parquet")
    periods = duckdb.sql(custody_sql(typed)).fetchall()
    assert periods == [("jms:H1", D(2010, 1, 1), None)]


def test_clusters_follow_the_links_and_reviewers_override_the_model(hard_pairs, tmp_path):
    con, _ = hard_pairs
    con.execute("create or replace temp table model_edges as select * from edges")
    decisions = [
        {  # a reviewer splits the two-SID pair and joins the twins
            "source_system_l": "jms",
            "source_record_id_l": "S1",
            "source_system_r": "masscourts",
            "source_record_id_r": "S2",
            "decision": "non_match",
        },
        {
            "source_system_l": "oms",
            "source_record_id_l": "T2",
            "source_system_r": "ims",
            "source_record_id_r": "T1",
            "decision": "match",
        },
    ]
    assert link.apply_decisions(con, decisions) == 2
    link.cluster(con, link.MATCH_THRESHOLD)
    out = tmp_path / "links.parquet"
    link.write_link_table(con, link.MATCH_THRESHOLD, out)
    con.execute("create or replace temp table edges as select * from model_edges")  # as the other tests found it
    links = pq.read_table(out).to_pandas().set_index(["source_system", "source_record_id"])
    anchor = links["link_anchor"]
    assert anchor["ims", "W1"] == anchor["masscourts", "C1"]
    assert anchor["probation", "R3"] == anchor["masscourts", "R2"] != anchor["ims", "R1"]
    assert anchor["jms", "S1"] != anchor["masscourts", "S2"]
    assert anchor["ims", "T1"] == anchor["oms", "T2"]
    assert links.loc[("oms", "T2"), "match_method"] == "clerical_review"
    assert links.loc[("ims", "W1"), "match_method"] == "splink"
    assert out.stat().st_mode & 0o077 == 0  # restricted: owner only


def test_a_bad_review_decision_names_the_file_row_and_field(tmp_path: Path):
    path = tmp_path / "decisions.csv"
    path.write_text(
        "source_system_l,source_record_id_l,source_system_r,source_record_id_r,decision\n"
        "ims,W1,oms,B1,match\n"
        "ims,W2,oms,B2,maybe\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"decisions\.csv: row 3: field decision"):
        link.read_decisions(path)


def test_identity_noise_keeps_dates_real_and_sids_the_same_digits():
    rng = np.random.default_rng(5)
    day = (dt.date(1984, 3, 17) - dt.date(1970, 1, 1)).days
    for _ in range(200):
        typo = identity_noise.birth_date_digit(day, rng)
        assert typo != day
        assert identity_noise._date(typo).year == 1984
        year_typo = identity_noise.birth_year_typo(day, rng, latest=day + 3650)
        assert identity_noise._date(year_typo).year != 1984
        sid = identity_noise.transposed_sid("01723456", rng)
        assert sid != "01723456" and sorted(sid) == sorted("01723456") and sid[0] == "0"
    assert identity_noise.phonetic_typo("PHILIP", np.random.default_rng(1)) != "PHILIP"
    assert identity_noise.keyboard_typo("SEAN", np.random.default_rng(1)) != "SEAN"
