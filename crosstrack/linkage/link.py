"""The link stage of the build: score the delivery's person records pairwise with the trained splink model, apply
the clerical reviewers' decisions, cluster into persons, and write the link table the identity models read
(docs/identity.md, "Probabilistic linkage"). Also `train` (the model) and the clerical review export.
"""

from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crosstrack.linkage import model as linkage_model
from crosstrack.linkage.records import load_records

# Pairs scored at or above this probability (at the training delivery's prior) are the same person, chosen from the
# measured precision/recall curve (docs/identity.md "Measured": the legacy profile at scales 0.1 and 1.0).
MATCH_THRESHOLD = 0.99
# A SID (from fingerprints) that agrees together with the birth date links two records whatever their names (an
# alias, a married name): the model's independence assumption undervalues that agreement, so it is a rule.
SID_AND_BIRTH_DATE = "l.sid = r.sid and l.birth_date = r.birth_date"
# Pairs at or above REVIEW_LOW between two persons are exported for clerical review (`export_review`): below it few
# are the same person (docs/identity.md, "Clerical review").
REVIEW_LOW = 0.9
LINK_TABLE_SCHEMA = pa.schema(
    [
        ("source_system", pa.string()),
        ("source_record_id", pa.string()),
        ("link_anchor", pa.string()),
        ("match_method", pa.string()),
        ("match_probability", pa.float64()),
    ]
)
# The link stage's DuckDB memory limit: within the 6 GiB the stage may use at scale 1.0, with room for Python.
LINKAGE_MEMORY = "4GB"
# A record or cluster without a current SID whose links reach the clusters of two or more current SIDs (two people)
# joins the one its best link reaches only when that link's match weight passes every other's by this many bits
# (odds 8 to 1); else it joins none of them (`_ambiguous`).
AMBIGUITY_MARGIN_BITS = 3.0
# Two periods of custody overlap when both hold a person on more than this many days (a transfer's day counts in
# both files).
CUSTODY_OVERLAP_DAYS = 1
REVIEW_FIELDS = ("source_system_l", "source_record_id_l", "source_system_r", "source_record_id_r", "decision")
DECISIONS = ("match", "non_match")


@dataclass
class LinkSummary:
    records: int
    scored_pairs: int
    linked_pairs: int
    persons: int
    review_pairs: int
    decisions_applied: int
    refused_links: int = 0  # links at or above the threshold that would have joined two people (`cluster`)


def _connect(memory: str = LINKAGE_MEMORY) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one linkage run (spills past `memory`)."""
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{memory}'")
    con.execute("set preserve_insertion_order = false")
    con.execute("set enable_progress_bar = false")
    return con


def _linker(con: duckdb.DuckDBPyConnection, settings: dict):
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI(connection=con)
    records = db_api.register("person_records")
    return Linker(records, settings)


def train(typed_dir: Path, out: Path, max_pairs: float = 5e6, seed: int = 1) -> Path:
    """Estimate the model on a delivery (the gate's typed records) and write it to `out` (JSON)."""
    import splink

    con = _connect()
    records = load_records(con, typed_dir)
    linker = _linker(con, linkage_model.settings())
    linker.training.estimate_probability_two_random_records_match(
        list(linkage_model.DETERMINISTIC_RULES), recall=linkage_model.PRIOR_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in linkage_model.TRAINING_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    out.parent.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(out), overwrite=True)
    linkage_model.save_model(
        out, {"training_records": records, "splink_version": splink.__version__, "seed": seed, "max_pairs": max_pairs}
    )
    return out


def read_decisions(path: Path | None) -> list[dict[str, str]]:
    """The clerical reviewers' decisions (a versioned CSV): one record pair and `match` or `non_match` per row."""
    if path is None or not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for number, row in enumerate(rows, start=2):
        missing = [f for f in REVIEW_FIELDS if not (row.get(f) or "").strip()]
        if missing:
            raise ValueError(f"{path}: row {number}: field {missing[0]} is empty")
        if row["decision"] not in DECISIONS:
            allowed = " or ".join(DECISIONS)
            raise ValueError(f"{path}: row {number}: field decision must be {allowed}, got {row['decision']!r}")
    return rows


def score(con: duckdb.DuckDBPyConnection, settings: dict) -> str:
    """Every blocked pair of `person_records` at or above REVIEW_LOW, as table `edges`, and every pair that agrees
    on the SID and the birth date as certain (SID_AND_BIRTH_DATE). Returns the table's name."""
    linker = _linker(con, settings)
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_LOW)
    con.execute(
        f"""
        create or replace temp table edges as
        with pairs as (
            select unique_id_l, unique_id_r, match_probability, 'model' as origin from {predictions.physical_name}
            union all
            select l.unique_id, r.unique_id, 1.0, 'model'
            from person_records as l
            inner join person_records as r
                on {SID_AND_BIRTH_DATE} and l.unique_id < r.unique_id
        )
        select unique_id_l, unique_id_r, max(match_probability) as match_probability, 'model' as origin
        from pairs
        group by unique_id_l, unique_id_r
        """
    )
    return "edges"


def apply_decisions(con: duckdb.DuckDBPyConnection, decisions: list[dict[str, str]]) -> int:
    """Reviewers' decisions override the model: a non-match removes the pair's edge, a match makes it certain."""
    if not decisions:
        return 0
    con.execute("create or replace temp table decisions (a varchar, b varchar, decision varchar)")
    con.executemany(
        "insert into decisions values (?, ?, ?)",
        [
            (
                f"{d['source_system_l']}:{d['source_record_id_l']}",
                f"{d['source_system_r']}:{d['source_record_id_r']}",
                d["decision"],
            )
            for d in decisions
        ],
    )
    con.execute(
        "create or replace temp table decisions as select least(a, b) as l, greatest(a, b) as r, decision "
        "from decisions where a in (select unique_id from person_records) "
        "and b in (select unique_id from person_records)"
    )
    con.execute(
        "delete from edges using decisions "
        "where least(unique_id_l, unique_id_r) = decisions.l and greatest(unique_id_l, unique_id_r) = decisions.r"
    )
    con.execute("insert into edges select l, r, 1.0, 'review' from decisions where decision = 'match'")
    return con.execute("select count(*) from decisions").fetchall()[0][0]


def _held_at_once(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    """Whether two lists of custody periods (first and last day as ordinals) hold someone in both on more than
    CUSTODY_OVERLAP_DAYS days."""
    return any(
        min(end_a, end_b) - max(start_a, start_b) >= CUSTODY_OVERLAP_DAYS
        for start_a, end_a in a
        for start_b, end_b in b
    )


def _conflict(a: dict, b: dict, exact: bool) -> bool:
    """Two clusters (their SIDs by sorted digits -> seen on a current record, their sexes and races, their custody
    periods), linked by a pair of records that agree (`exact`) or not on both names and the birth date, are two
    people: they were held in custody at the same time (one person is held in one place at once); or they carry
    SIDs and share none (a transposition keeps the digits), and either both hold a current SID, or the link's names
    and birth date differ, or their sexes or their races have nothing in common. A person carries a second SID only
    on legacy records, under the same name and birth date."""
    if _held_at_once(a.get("custody", ()), b.get("custody", ())):
        return True
    if not a["sids"] or not b["sids"] or a["sids"].keys() & b["sids"].keys():
        return False
    if not exact or (any(a["sids"].values()) and any(b["sids"].values())):
        return True
    return any(a[k] and b[k] and not a[k] & b[k] for k in ("sex", "race"))


def cluster(con: duckdb.DuckDBPyConnection, threshold: float) -> int:
    """The persons: table `clusters` (unique_id, cluster). The links at or above the threshold between records with
    the same SID (by its sorted digits) join first, all at once: they never join two people. The other links then
    join clusters best first (reviewers' matches before all), but never two clusters that `_conflict` says are two
    people, so one record without a SID, or a look-alike's name and birth date, does not chain two persons into
    one. Returns the links refused."""
    con.execute(
        "create or replace temp table record_index as "
        "select unique_id, (row_number() over (order by unique_id) - 1)::bigint as idx, sid_digits, "
        "is_current, "
        "sex, race, last_name, first_name, birth_date from person_records"
    )
    records = con.sql("select sid_digits, is_current, sex, race from record_index order by idx").to_arrow_table()
    n = records.num_rows
    links = con.execute(
        "select l.idx as l, r.idx as r, edges.origin = 'review' as forced, match_probability, "
        "coalesce(l.sid_digits = r.sid_digits, false) as same_sid, coalesce(l.last_name = r.last_name "
        "and l.first_name = r.first_name and l.birth_date = r.birth_date, false) as exact from edges "
        "join record_index as l on edges.unique_id_l = l.unique_id "
        "join record_index as r on edges.unique_id_r = r.unique_id "
        "where match_probability >= ?",
        [threshold],
    ).fetchnumpy()
    same = np.asarray(links["same_sid"], dtype=bool)
    graph = coo_matrix((np.ones(int(same.sum()), dtype=np.int8), (links["l"][same], links["r"][same])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    # the other links best first: reviewers' matches, then by probability, ties in record order
    rest = np.flatnonzero(~same)
    forced = np.asarray(links["forced"], dtype=bool)[rest]
    order = np.lexsort((links["r"][rest], links["l"][rest], -links["match_probability"][rest], ~forced))
    rest, forced = rest[order], forced[order]
    left, right = component[links["l"][rest]], component[links["r"][rest]]
    keep = left != right
    rest, left, right, forced = rest[keep], left[keep], right[keep], forced[keep]
    ambiguous = _ambiguous(records, component, left, right, forced, links["match_probability"][rest])
    rest, left, right, forced = rest[~ambiguous], left[~ambiguous], right[~ambiguous], forced[~ambiguous]
    exact = np.asarray(links["exact"], dtype=bool)[rest].tolist()
    left, right, forced = left.tolist(), right.tolist(), forced.tolist()
    merged = _cluster_facts(records, component, set(left) | set(right), _custody(con))
    parent = list(range(int(component.max(initial=-1)) + 1))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    refused = int(ambiguous.sum())
    for a, b, force, same_identity in zip(left, right, forced, exact, strict=True):
        a, b = root(a), root(b)
        if a == b:
            continue
        into, other = merged[a], merged.pop(b)
        if not force and _conflict(into, other, same_identity):
            merged[b] = other
            refused += 1
            continue
        parent[b] = a
        for digits, is_current in other["sids"].items():
            into["sids"][digits] = into["sids"].get(digits, False) or is_current
        into["sex"] |= other["sex"]
        into["race"] |= other["race"]
        into["custody"] += other["custody"]
    labels = np.fromiter((root(c) for c in component.tolist()), dtype=np.int64, count=n)
    con.register("labels", pa.table({"idx": np.arange(n, dtype=np.int64), "cluster": labels}))
    con.execute(
        "create or replace temp table clusters as "
        "select record_index.unique_id, labels.cluster from record_index join labels using (idx)"
    )
    con.unregister("labels")
    return refused


def _ambiguous(
    records: pa.Table,
    component: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    forced: np.ndarray,
    probability: np.ndarray,
) -> np.ndarray:
    """Which links (between components `left` and `right`, with their probabilities) are ambiguous: a component
    without a current SID (no SID, or SIDs of legacy records only) linked to components of two or more current SIDs
    matches two people (two current SIDs are two people, `_conflict`), so it joins none of them, unless its best link
    to one of them passes the best to each other by AMBIGUITY_MARGIN_BITS of match weight. Reviewers' matches are
    never ambiguous."""
    current = _current_sids(records, component)
    sid_l, sid_r = current[left], current[right]
    frame = pd.DataFrame({"link": np.arange(len(left))})
    one_side = (sid_l == "") != (sid_r == "")
    frame["other"] = np.where(sid_l == "", left, right)
    frame["sid"] = np.where(sid_l == "", sid_r, sid_l)
    frame["weight"] = np.log2(probability) - np.log2(np.maximum(1 - probability, 1e-300))
    candidates = frame[one_side & ~forced]
    best = candidates.groupby(["other", "sid"])["weight"].max().reset_index()
    best = best.sort_values(["other", "weight"], ascending=[True, False])
    groups = best.groupby("other")
    counts, rank = groups["sid"].transform("size"), groups.cumcount()
    second = groups["weight"].shift(-1).fillna(-np.inf)  # on each best row: the next best SID's weight
    winner = (rank == 0) & (best["weight"] - second >= AMBIGUITY_MARGIN_BITS)
    refused = best[(counts > 1) & ~winner][["other", "sid"]]
    marked = candidates.merge(refused, on=["other", "sid"], how="inner")["link"].to_numpy()
    out = np.zeros(len(left), dtype=bool)
    out[marked] = True
    return out


def _current_sids(records: pa.Table, component: np.ndarray) -> np.ndarray:
    """Each component's current SID (sorted digits; "" when it has none)."""
    digits = np.asarray(records.column("sid_digits").to_pandas().fillna(""), dtype=object)
    is_current = np.asarray(records.column("is_current").to_pandas().fillna(False), dtype=bool)
    out = np.full(int(component.max(initial=-1)) + 1, "", dtype=object)
    held = (digits != "") & is_current
    out[component[held]] = digits[held]
    return out


def _custody(con: duckdb.DuckDBPyConnection) -> dict[str, np.ndarray]:
    """The custody periods of the records (`custody_periods`, records.load_records; none without it): record index,
    first and last day as ordinals (a period still open, or without its end, as its first day)."""
    if not con.execute("select count(*) from duckdb_tables() where table_name = 'custody_periods'").fetchall()[0][0]:
        return {"idx": np.zeros(0, dtype=np.int64), "first": np.zeros(0), "last": np.zeros(0)}
    return con.execute(
        "select record_index.idx, date_diff('day', date '0001-01-01', start_date) as first, "
        "date_diff('day', date '0001-01-01', greatest(start_date, coalesce(end_date, start_date))) as last "
        "from custody_periods join record_index using (unique_id)"
    ).fetchnumpy()


def _cluster_facts(
    records: pa.Table, component: np.ndarray, wanted: set[int], custody: dict[str, np.ndarray]
) -> dict[int, dict]:
    """For each component in `wanted`: its SIDs (sorted digits -> seen on a current record), sexes, races and
    custody periods."""
    facts: dict[int, dict] = {c: {"sids": {}, "sex": set(), "race": set(), "custody": []} for c in wanted}
    held = component[np.asarray(custody["idx"], dtype=np.int64)]
    for c, first, last in zip(held.tolist(), custody["first"].tolist(), custody["last"].tolist(), strict=True):
        if c in facts:
            facts[c]["custody"].append((first, last))
    rows = np.flatnonzero(np.isin(component, np.fromiter(wanted, dtype=component.dtype, count=len(wanted))))
    columns = {name: records.column(name).take(pa.array(rows)).to_pylist() for name in records.column_names}
    for i, c in enumerate(component[rows].tolist()):
        fact = facts[c]
        digits = columns["sid_digits"][i]
        if digits:
            fact["sids"][digits] = fact["sids"].get(digits, False) or columns["is_current"][i]
        for key in ("sex", "race"):
            if columns[key][i]:
                fact[key].add(columns[key][i])
    return facts


def write_link_table(con: duckdb.DuckDBPyConnection, threshold: float, out: Path) -> tuple[int, int]:
    """The link table (LINK_TABLE_SCHEMA): a record with an edge at or above the threshold joins its cluster
    (`splink`, or `clerical_review` when a reviewer's match made the edge); a record alone is a person of its own
    when it has a SID, or a name and a birth date (`splink_single`), else it is left unlinked (no anchor).
    Returns (persons, linked pairs)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    path = str(partial.resolve()).replace("'", "''")
    con.execute(
        f"""
        copy (
            with record_edges as (
                select unique_id_l as unique_id, match_probability, origin
                from edges where match_probability >= {threshold}
                union all
                select unique_id_r, match_probability, origin
                from edges where match_probability >= {threshold}
            ),
            best as (
                select unique_id, max(match_probability) as match_probability, bool_or(origin = 'review') as reviewed
                from record_edges group by unique_id
            ),
            anchors as (
                select cluster, 'splink:' || min(unique_id) as anchor, count(*) as size from clusters group by cluster
            )
            select
                person_records.source_system,
                person_records.source_record_id,
                case
                    when anchors.size > 1 or person_records.sid is not null
                        or (person_records.last_name is not null and person_records.first_name is not null
                            and person_records.birth_date is not null)
                        then anchors.anchor
                end as link_anchor,
                case
                    when best.reviewed then 'clerical_review'
                    when anchors.size > 1 then 'splink'
                    when person_records.sid is not null
                        or (person_records.last_name is not null and person_records.first_name is not null
                            and person_records.birth_date is not null)
                        then 'splink_single'
                    else 'unlinked'
                end as match_method,
                best.match_probability
            from person_records
            join clusters using (unique_id)
            join anchors using (cluster)
            left join best using (unique_id)
            order by source_system, source_record_id
        ) to '{path}' (format parquet)
        """
    )
    os.chmod(partial, 0o600)
    os.replace(partial, out)
    persons = con.execute("select count(distinct cluster) from clusters").fetchall()[0][0]
    pairs = con.execute(f"select count(*) from edges where match_probability >= {threshold}").fetchall()[0][0]
    return persons, pairs


def export_review(con: duckdb.DuckDBPyConnection, out_dir: Path) -> int:
    """The pairs whose decision would change the persons, with both records' identifiers, for clerical review:
    between two persons of the clustering (a pair within one person decides nothing: below the threshold it is no
    link, and its person holds together through its links), scored at least REVIEW_LOW: the uncertain band below the
    threshold, and the links the clustering refused (two people, or ambiguous); one pair per two persons (their
    best). `<out_dir>/review_pairs.parquet`, restricted (owner-only), never published. Returns the pair count."""
    out_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(out_dir, 0o700)
    out = out_dir / "review_pairs.parquet"
    partial = out.with_name(out.name + ".partial")
    path = str(partial.resolve()).replace("'", "''")
    con.execute(
        f"""
        copy (
            select
                l.source_system as source_system_l, l.source_record_id as source_record_id_l,
                r.source_system as source_system_r, r.source_record_id as source_record_id_r,
                edges.match_probability,
                l.sid as sid_l, r.sid as sid_r, l.last_name as last_name_l, r.last_name as last_name_r,
                l.first_name as first_name_l, r.first_name as first_name_r,
                l.birth_date as birth_date_l, r.birth_date as birth_date_r,
                cast(null as varchar) as decision
            from edges
            join person_records as l on edges.unique_id_l = l.unique_id
            join person_records as r on edges.unique_id_r = r.unique_id
            join clusters as cluster_l on edges.unique_id_l = cluster_l.unique_id
            join clusters as cluster_r on edges.unique_id_r = cluster_r.unique_id
            where edges.origin = 'model' and cluster_l.cluster <> cluster_r.cluster
                and edges.match_probability >= {REVIEW_LOW}
            qualify row_number() over (
                partition by least(cluster_l.cluster, cluster_r.cluster), greatest(cluster_l.cluster, cluster_r.cluster)
                order by edges.match_probability desc, edges.unique_id_l, edges.unique_id_r
            ) = 1
            order by edges.match_probability desc, edges.unique_id_l, edges.unique_id_r
        ) to '{path}' (format parquet)
        """
    )
    os.chmod(partial, 0o600)
    os.replace(partial, out)
    return pq.read_metadata(out).num_rows


def link_delivery(
    typed_dir: Path,
    out: Path,
    model_path: Path | None = None,
    threshold: float = MATCH_THRESHOLD,
    decisions_file: Path | None = None,
    review_dir: Path | None = None,
) -> LinkSummary:
    """The link stage: the delivery's person records scored, reviewed decisions applied, clustered, written."""
    con = _connect()
    try:
        records = load_records(con, typed_dir)
        score(con, linkage_model.load_model(model_path))
        scored = con.execute("select count(*) from edges").fetchall()[0][0]
        applied = apply_decisions(con, read_decisions(decisions_file))
        refused = cluster(con, threshold)
        persons, pairs = write_link_table(con, threshold, out)
        review = export_review(con, review_dir) if review_dir is not None else 0
    finally:
        con.close()
    return LinkSummary(records, scored, pairs, persons, review, applied, refused)
