"""Ground truth written beside the extracts (``truth/*.parquet``): what really happened, for tests and the gate.

No dbt model reads these tables. They let tests check the warehouse: who each record belongs to, every custody
interval, every release with its true 3-year outcomes (R-RCD-2, R-RCD-3), and every injected fault.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crosstrack.generator.config import DOC, SHERIFFS
from crosstrack.generator.courts import Dockets, arraignments
from crosstrack.generator.frames import NA_DAY, Frame
from crosstrack.generator.lifecourse import World
from crosstrack.generator.values import lookup

COMMUNITY_RELEASES = ("parole", "probation", "expired", "time_served", "court", "supervised")  # R-COH-2
EXCLUDED_STATUS = {"SK": "safe_keep", "CIV": "civil_commitment", "FED": "federal", "ISC": "interstate_compact"}
AGENCY_NAMES = np.array(["DOC"] + [s.county for s in SHERIFFS])
AGENCY_SYSTEMS = np.array(["ims"] + [s.system for s in SHERIFFS])


def _dates(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    return pa.array(days.astype("datetime64[D]"), mask=days == NA_DAY)


def persons_table(people: Frame, person_ids: np.ndarray) -> pa.Table:
    who = np.sort(person_ids) - 1
    category = people["category"][who]
    return pa.table(
        {
            "person_id": people["person_id"][who],
            "first_name": people["first_name"][who],
            "last_name": people["last_name"][who],
            "birth_date": _dates(people["birth_date"][who]),
            "sex": people["sex"][who],
            "gender_identity": people["gender_identity"][who],
            "race": people["race"][who],
            "ethnicity": people["ethnicity"][who],
            "sid": people["sid_text"][who],
            "exclusion_category": pa.array(category, mask=category == ""),
            "home_county": people["home_county"][who],
        }
    )


def _last_status(world: World) -> tuple[np.ndarray, np.ndarray]:
    ss = world.statuses
    order = np.lexsort((ss["start"], ss["stay_id"]))
    sid_sorted = ss["stay_id"][order]
    last = np.r_[sid_sorted[1:] != sid_sorted[:-1], True]
    return sid_sorted[last], ss["status"][order][last]


def custody_intervals_table(world: World, refs: dict[str, dict], as_of: int) -> pa.Table:
    """One row per custody status period, with the stay's admission and release and the source record ids."""
    st, ss = world.stays, world.statuses
    pos = np.searchsorted(st["stay_id"], ss["stay_id"])
    stay_record = _lookup_refs(refs, ss["stay_id"])
    status_record = _status_refs(refs, len(ss["stay_id"]))
    birth = world.people["birth_date"][st["person_id"][pos] - 1]
    excluded = lookup(EXCLUDED_STATUS, ss["status"])
    juvenile = (ss["start"] - birth) < np.floor(18 * 365.25)
    excluded = np.where((excluded == "") & juvenile, "juvenile", excluded).astype(str)
    agency = st["agency"][pos]
    facility = np.where(agency == DOC, "DOC", ss["facility"])
    order = np.lexsort((ss["start"], st["person_id"][pos]))
    table = pa.table(
        {
            "person_id": st["person_id"][pos],
            "agency": AGENCY_NAMES[agency],
            "system": AGENCY_SYSTEMS[agency],
            "facility_type": facility,
            "offender_status": ss["status"],
            "start_date": _dates(ss["start"]),
            "end_date": _dates(ss["end"]),
            "stay_admission_date": _dates(st["start"][pos]),
            "stay_release_date": _dates(st["end"][pos]),
            "admission_type": st["admission"][pos],
            "release_type": pa.array(st["release"][pos], mask=st["release"][pos] == ""),
            "exclusion_reason": pa.array(excluded, mask=excluded == ""),
            "stay_kind": st["kind"][pos],
            "source_stay_record": stay_record,
            "source_status_record": status_record,
        }
    )
    return table.take(pa.array(order))


def _lookup_refs(refs: dict[str, dict], stay_ids: np.ndarray) -> pa.Array:
    """'<system>/<file>:<record id>' of each stay."""
    placements = []
    for system, ref in refs.items():
        ids = ref["stay_id"]
        if not len(ids):
            continue
        order = np.argsort(ids)
        p = np.clip(np.searchsorted(ids[order], stay_ids), 0, len(ids) - 1)
        hit = ids[order][p] == stay_ids
        placements.append((np.flatnonzero(hit), _prefixed(f"{system}/{ref['file']}:", ref["record_id"]), order[p][hit]))
    return _placed_texts(len(stay_ids), placements)


def _status_refs(refs: dict[str, dict], n_statuses: int) -> pa.Array:
    """'<system>/<file>:<record id>' of each status period (refs hold the status rows they were built from)."""
    placements = []
    for system, ref in refs.items():
        text = _prefixed(f"{system}/{ref['status_file']}:", ref["status_record_id"])
        placements.append((ref["status_rows"], text, np.arange(len(text))))
    return _placed_texts(n_statuses, placements)


def _prefixed(prefix: str, record_ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    text = pc.binary_join_element_wise(prefix, record_ids, "")
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _placed_texts(n: int, placements: list[tuple[np.ndarray, pa.Array, np.ndarray]]) -> pa.Array:
    """n texts, '' by default; each (positions, texts, rows) puts texts[rows] at positions (later ones win)."""
    index = np.full(n, -1, dtype=np.int64)
    parts, offset = [], 0
    for positions, texts, rows in placements:
        index[positions] = offset + rows
        parts.append(texts)
        offset += len(texts)
    index[index < 0] = offset
    return pa.concat_arrays([*parts, pa.array([""], pa.string())]).take(pa.array(index))


def releases_table(world: World, dockets: Dockets, refs: dict[str, dict], as_of: int) -> pa.Table:
    """Every custodial release, with the first re-arraignment, reconviction and reincarceration after it."""
    st = world.stays
    released = np.flatnonzero(st["end"] != NA_DAY)
    last_ids, last_status = _last_status(world)
    pos = np.searchsorted(last_ids, st["stay_id"][released])
    status_at_release = last_status[np.clip(pos, 0, len(last_ids) - 1)]
    release_type = st["release"][released]
    sentenced = np.isin(status_at_release, ["SEN", "PV"])
    to_community = sentenced & np.isin(release_type, COMMUNITY_RELEASES)
    rel = pd.DataFrame(
        {
            "row": np.arange(released.size),
            "person_id": st["person_id"][released],
            "release_day": st["end"][released],
        }
    )
    outcomes = _first_after(rel, _rearraignment_events(dockets, as_of), "rearraignment")
    outcomes = outcomes.merge(_first_after(rel, _reconviction_events(dockets, as_of), "reconviction"), on="row")
    outcomes = outcomes.merge(_first_after(rel, _reincarceration_events(world), "reincarceration"), on="row")
    outcomes = outcomes.sort_values("row")
    release_day = st["end"][released]
    horizon = _add_years(release_day, 3)
    birth = world.people["birth_date"][st["person_id"][released] - 1]
    excluded = lookup(EXCLUDED_STATUS, status_at_release)
    excluded = np.where((excluded == "") & ((release_day - birth) < np.floor(18 * 365.25)), "juvenile", excluded)
    columns = {
        "person_id": st["person_id"][released],
        "agency": AGENCY_NAMES[st["agency"][released]],
        "system": AGENCY_SYSTEMS[st["agency"][released]],
        "source_stay_record": _lookup_refs(refs, st["stay_id"][released]),
        "admission_date": _dates(st["start"][released]),
        "release_date": _dates(release_day),
        "release_type": release_type,
        "status_at_release": status_at_release,
        "is_sentenced": sentenced,
        "is_to_community": to_community,
        "exclusion_reason": pa.array(excluded.astype(str), mask=excluded == ""),
        "followup_3y_complete": horizon <= as_of,
    }
    for kind in ("rearraignment", "reconviction", "reincarceration"):
        first = outcomes[f"{kind}_day"].to_numpy(dtype=np.int64)
        columns[f"first_{kind}_date"] = _dates(first)
        columns[f"{kind}_3y_date"] = _dates(np.where((first != NA_DAY) & (first <= horizon), first, NA_DAY))
    return pa.table(columns)


def _add_years(days: np.ndarray, years: int) -> np.ndarray:
    """The same calendar date N years later (29 February -> 28 February), as day numbers."""
    dt = days.astype("datetime64[D]")
    year = dt.astype("datetime64[Y]")
    month_start = dt.astype("datetime64[M]")
    dom = (dt - month_start.astype("datetime64[D]")).astype(np.int64)
    new_month = (month_start + 12 * years).astype("datetime64[D]")
    next_month = (month_start + 12 * years + 1).astype("datetime64[D]")
    out = np.minimum(new_month + dom, next_month - 1)
    del year
    return out.astype(np.int64)


def _first_after(rel: pd.DataFrame, events: pd.DataFrame, kind: str) -> pd.DataFrame:
    """For each release: the earliest event date among events keyed strictly after the release day."""
    left = rel.sort_values("release_day")
    right = events.sort_values("key_day")
    merged = pd.merge_asof(
        left,
        right,
        left_on="release_day",
        right_on="key_day",
        by="person_id",
        direction="forward",
        allow_exact_matches=False,
    )
    value = merged["event_day"].fillna(NA_DAY).astype(np.int64)
    return pd.DataFrame({"row": merged["row"].to_numpy(), f"{kind}_day": value.to_numpy()})


def _suffix_min(events: pd.DataFrame) -> pd.DataFrame:
    """Event date = the earliest event among this and later-keyed events of the person (for merge_asof)."""
    events = events.sort_values(["person_id", "key_day"], kind="stable")
    reversed_ = events.iloc[::-1]
    events = events.assign(event_day=reversed_.groupby("person_id")["event_day"].cummin().iloc[::-1].to_numpy())
    return events


def _rearraignment_events(dockets: Dockets, as_of: int) -> pd.DataFrame:
    """R-RCD-2: an arraignment on a docket filed after the release (event = arraignment date)."""
    arr = arraignments(dockets, as_of)
    events = pd.DataFrame({"person_id": arr["person_id"], "key_day": arr["filing"], "event_day": arr["arraignment"]})
    return _suffix_min(events)


def _reconviction_events(dockets: Dockets, as_of: int) -> pd.DataFrame:
    """R-RCD-2: a conviction on a docket filed after the release (event = conviction date)."""
    arr = arraignments(dockets, as_of)
    convicted = arr["conviction"] != NA_DAY
    events = pd.DataFrame(
        {
            "person_id": arr["person_id"][convicted],
            "key_day": arr["filing"][convicted],
            "event_day": arr["conviction"][convicted],
        }
    )
    return _suffix_min(events)


def _reincarceration_events(world: World) -> pd.DataFrame:
    """R-RCD-2: a new admission as a sentenced person or a violator (not a pretrial hold that ends without a
    sentence, not the DOC -> county step-down of the same sentence)."""
    st, ss = world.stays, world.statuses
    sentenced_stays = np.unique(ss["stay_id"][np.isin(ss["status"], ["SEN", "PV"])])
    new_admission = np.isin(st["stay_id"], sentenced_stays) & ~np.isin(st["kind"], ["stepdown"])
    rows = np.flatnonzero(new_admission)
    return pd.DataFrame(
        {"person_id": st["person_id"][rows], "key_day": st["start"][rows], "event_day": st["start"][rows]}
    )
