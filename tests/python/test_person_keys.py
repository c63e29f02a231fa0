"""Person keys (docs/identity.md, "Person keys"): random, kept across builds by the registry, merges and splits
recorded. The rules themselves (new, kept, merged, split) are dbt unit tests of the identity models."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warehouse_build import WarehouseCopies

from crosstrack.pipeline import (
    KEY_EVENTS_NAME,
    KEY_REGISTRY_ENV,
    KEY_REGISTRY_SCHEMA,
    ensure_key_registry,
    save_key_registry,
)
from crosstrack.settings import KEY_REGISTRY_NAME, Settings

PERSON_KEY = re.compile(r"^pk_[0-9a-f]{32}$")
SID_COLUMN = re.compile(r"(^|_)sid$", re.IGNORECASE)
# The models that assign keys, rebuilt on a copy of the session's warehouse: a real second run of the assignment.
KEY_MODELS = (
    "stg_person_keys__registry int_person_key_shares int_person_keys_assigned int_person_records_linked "
    "int_person_key_events int_person_key_registry person_key_events person_key_registry"
)


def _rows(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def _record_keys(database: Path) -> dict[tuple[str, str], str]:
    rows = _rows(
        database,
        "select source_system, source_record_id, person_key from intermediate.int_person_records_linked "
        "where person_key is not null",
    )
    return {(system, record): key for system, record, key in rows}


def _delivered_sids(built_warehouse) -> set[str]:
    """Every SID of the delivery: the SID columns of the landing files and the generator's truth."""
    sids: set[str] = set()
    for path in sorted(built_warehouse.landing.glob("*/*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                sids.update(value.strip() for name, value in row.items() if SID_COLUMN.search(name) and value)
    truth = built_warehouse.truth / "persons.parquet"
    sids.update(sid for sid in pq.read_table(truth, columns=["sid"]).column("sid").to_pylist() if sid)
    return sids - {""}


def _digests(text: str) -> set[str]:
    data = text.encode()
    digests = {hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest()}
    return digests | {digest[:32] for digest in digests}


def _rebuild_keys(
    warehouse_copies: WarehouseCopies, tmp_path: Path, registry: Path, link_table: Path | None = None
) -> Path:
    """Run the key models again, on a copy of the session's warehouse, against `registry`; returns the copy. With
    `link_table` (a splink link stage's output) the records are matched from it, as `--linker splink` builds."""
    env = {KEY_REGISTRY_ENV: str(registry)}
    models = KEY_MODELS.split()
    if link_table is not None:
        env.update(Settings(link_table=link_table).environment("link_table"))
        models += ["stg_linkage__links", "int_person_records_matched"]
    copy, completed = warehouse_copies.run(tmp_path, ["run"], "--select", *models, env=env)
    assert completed.returncode == 0, completed.stdout[-3000:]
    return copy


@pytest.mark.rules("R-PUB-5")
@pytest.mark.warehouse
def test_no_person_key_is_derivable_from_a_sid_or_demographics(built_warehouse) -> None:
    sids = _delivered_sids(built_warehouse)
    anchors = {
        anchor
        for (anchor,) in _rows(
            built_warehouse.database,
            "select distinct link_anchor from intermediate.int_person_records_matched where link_anchor is not null",
        )
    }
    assert len(sids) > 1000 and any(a.startswith("demographics:") for a in anchors)
    candidates = sids | {f"sid:{sid}" for sid in sids} | anchors
    derivable = candidates.union(*(_digests(candidate) for candidate in candidates))
    keys = {key for (key,) in _rows(built_warehouse.database, "select person_key from restricted.person_timeline")}
    keys |= set(_record_keys(built_warehouse.database).values())
    assert len(keys) > 1000
    assert {key for key in keys if key in derivable or key[3:] in derivable} == set()
    assert all(PERSON_KEY.match(key) for key in keys), sorted(key for key in keys if not PERSON_KEY.match(key))[:5]


@pytest.mark.rules("R-PUB-5")
@pytest.mark.warehouse
def test_no_key_column_of_the_warehouse_embeds_a_sid(built_warehouse) -> None:
    """Row keys built on person keys (release_key, cohort_row_key, ...) carry the random key, never a SID."""
    sids = _delivered_sids(built_warehouse)
    columns = _rows(
        built_warehouse.database,
        "select table_schema, table_name, column_name from information_schema.columns "
        "where column_name like '%\\_key' escape '\\' and data_type = 'VARCHAR' "
        "and table_schema in ('intermediate', 'core', 'cohorts', 'restricted', 'public') "
        "and column_name not in ('last_name_key', 'first_name_key')",
    )
    assert ("cohorts", "releases", "release_key") in columns
    embedding = []
    for schema, table, column in columns:
        # Digit runs left once person keys are taken out: a SID would be one of them.
        runs = _rows(
            built_warehouse.database,
            f"select distinct unnest(regexp_extract_all(regexp_replace(\"{column}\", 'pk_[0-9a-f]{{32}}', '', 'g'), "
            f"'[0-9]{{7,8}}')) from {schema}.{table}",
        )
        if any(run in sids for (run,) in runs):
            embedding.append(f"{schema}.{table}.{column}")
    assert embedding == []


@pytest.mark.warehouse
def test_the_build_writes_the_registry_beside_the_warehouse_restricted(built_warehouse) -> None:
    registry = built_warehouse.database.parent / KEY_REGISTRY_NAME
    written = pq.read_table(registry)
    assert written.schema.names == KEY_REGISTRY_SCHEMA.names
    in_warehouse = _rows(
        built_warehouse.database,
        "select source_system, source_record_id, person_key from restricted.person_key_registry order by 1, 2",
    )
    assert sorted(zip(*(written.column(name).to_pylist() for name in KEY_REGISTRY_SCHEMA.names[:3]), strict=True)) == (
        in_warehouse
    )
    assert {(system, record): key for system, record, key in in_warehouse} == _record_keys(built_warehouse.database)
    assert registry.stat().st_mode & 0o077 == 0
    assert (registry.parent / KEY_EVENTS_NAME).stat().st_mode & 0o077 == 0
    assert not list(registry.parent.glob("*.next"))


@pytest.mark.warehouse
def test_a_rebuild_with_the_kept_registry_keeps_every_key(built_warehouse, warehouse_copies, tmp_path: Path) -> None:
    rebuilt = _rebuild_keys(warehouse_copies, tmp_path, built_warehouse.database.parent / KEY_REGISTRY_NAME)
    before = _record_keys(built_warehouse.database)
    assert _record_keys(rebuilt) == before
    assert _rows(rebuilt, "select key_origin, count(*) from intermediate.int_person_keys_assigned group by 1") == [
        ("kept", len(set(before.values())))
    ]
    assert _rows(rebuilt, "select count(*) from restricted.person_key_events") == [(0,)]


@pytest.mark.warehouse
def test_a_rebuild_with_a_fresh_registry_draws_other_keys_for_the_same_persons(
    built_warehouse, warehouse_copies, tmp_path
) -> None:
    fresh = tmp_path / "fresh" / KEY_REGISTRY_NAME
    ensure_key_registry(fresh)
    rebuilt = _rebuild_keys(warehouse_copies, tmp_path, fresh)
    before, after = _record_keys(built_warehouse.database), _record_keys(rebuilt)
    assert before.keys() == after.keys()
    assert set(before.values()).isdisjoint(after.values())
    # The same persons: two records share a key after exactly when they did before.
    renamed = {before[record]: after[record] for record in before}
    assert all(renamed[before[record]] == after[record] for record in before)
    assert len(set(renamed.values())) == len(renamed)


@pytest.mark.warehouse
def test_a_rebuild_records_the_merge_and_split_of_a_changed_registry(
    built_warehouse, warehouse_copies, tmp_path: Path
) -> None:
    """The registry as an earlier linkage might have left it: person A's records under two keys (A's own and
    an older one), person C's records under person B's key, and C larger than B. Rebuilding merges A's keys into
    the older and splits B's key: C keeps it, B gets a new key."""
    database = built_warehouse.database
    records = _record_keys(database)
    by_person: dict[str, list[tuple[str, str]]] = {}
    for record, key in sorted(records.items()):
        by_person.setdefault(key, []).append(record)
    sizes = sorted(by_person, key=lambda key: (len(by_person[key]), key))
    person_b = next(key for key in sizes if len(by_person[key]) == 1)
    person_c = next(key for key in sizes if len(by_person[key]) >= 3)
    person_a = next(key for key in reversed(sizes) if key not in (person_b, person_c))
    older = "pk_" + "0" * 32
    moved = by_person[person_a][0]
    table = pq.read_table(built_warehouse.database.parent / KEY_REGISTRY_NAME).to_pylist()
    for row in table:
        record = (row["source_system"], row["source_record_id"])
        if record == moved:
            row.update(person_key=older, assigned_at=dt.datetime(2020, 1, 1))
        elif records.get(record) == person_c:
            row["person_key"] = person_b
    changed = tmp_path / "changed" / KEY_REGISTRY_NAME
    changed.parent.mkdir()
    pq.write_table(pa.Table.from_pylist(table, schema=KEY_REGISTRY_SCHEMA), changed)

    rebuilt = _rebuild_keys(warehouse_copies, tmp_path, changed)
    after = _record_keys(rebuilt)
    assert {after[record] for record in by_person[person_a]} == {older}
    assert {after[record] for record in by_person[person_c]} == {person_b}
    (new_b,) = {after[record] for record in by_person[person_b]}
    assert PERSON_KEY.match(new_b) and new_b not in records.values()
    untouched = {record for record in records if records[record] not in (person_a, person_b, person_c)}
    assert {record: after[record] for record in untouched} == {record: records[record] for record in untouched}
    events = _rows(rebuilt, "select event_type, old_key, new_key, record_count from restricted.person_key_events")
    assert sorted(events) == [
        ("merge", person_a, older, len(by_person[person_a]) - 1),
        ("split", person_b, new_b, len(by_person[person_b])),
    ]


def test_saving_the_registry_replaces_it_and_appends_the_key_events(tmp_path: Path) -> None:
    registry = tmp_path / KEY_REGISTRY_NAME
    ensure_key_registry(registry)
    assert pq.read_table(registry).schema.equals(KEY_REGISTRY_SCHEMA) and pq.read_table(registry).num_rows == 0
    database = tmp_path / "built.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create schema restricted")
    con.execute(
        "create table restricted.person_key_registry as select 'ims' as source_system, 'W1' as source_record_id, "
        "'pk_" + "a" * 32 + "' as person_key, timestamp '2026-07-02 03:04:05' as assigned_at"
    )
    con.execute(
        "create table restricted.person_key_events as select 'merge' as event_type, 'pk_" + "b" * 32 + "' as old_key, "
        "'pk_" + "a" * 32 + "' as new_key, 2 as record_count, timestamp '2026-07-02 03:04:05' as built_at, "
        "date '2026-07-01' as as_of"
    )
    con.close()
    assert save_key_registry(database, registry)
    assert save_key_registry(database, registry)
    assert pq.read_table(registry).to_pylist() == [
        {
            "source_system": "ims",
            "source_record_id": "W1",
            "person_key": "pk_" + "a" * 32,
            "assigned_at": dt.datetime(2026, 7, 2, 3, 4, 5),
        }
    ]
    events = pq.read_table(tmp_path / KEY_EVENTS_NAME)
    assert events.num_rows == 2 and set(events.column("old_key").to_pylist()) == {"pk_" + "b" * 32}
    assert registry.stat().st_mode & 0o077 == 0
    assert not list(tmp_path.glob("*.next"))


def test_a_build_without_the_registry_mart_leaves_the_registry_alone(tmp_path: Path) -> None:
    registry = tmp_path / KEY_REGISTRY_NAME
    ensure_key_registry(registry)
    before = registry.read_bytes()
    database = tmp_path / "partial.duckdb"
    duckdb.connect(str(database)).close()
    assert not save_key_registry(database, registry)
    assert registry.read_bytes() == before
    assert not (tmp_path / KEY_EVENTS_NAME).exists()
