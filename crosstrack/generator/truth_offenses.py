"""Ground truth of the governing offense of every sentenced commitment (``truth/governing_offenses.parquet``).

R-CHG-2 with R-CHG-5, applied to what really happened rather than to the extracts: a charge of a docket the
commitment is held on is a candidate from the date it was sentenced to incarceration, originally or on a
violation (probation revoked, a suspended sentence imposed, a continuance without a finding violated); a charge
the custodial agency holds as sentenced is one from admission; at DOC, the charge IMS flags governs. Among the
candidates in force on a date: felonies first, then the docket filed earliest, the lowest docket number (for a
misdemeanor, the lowest charge number first), the lowest charge number. One row per commitment and date from
which its governing offense holds, with the citation reported (the amended one if amended, R-OFF-5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from crosstrack.generator.config import DOC
from crosstrack.generator.courts import Dockets
from crosstrack.generator.frames import NA_DAY
from crosstrack.generator.lifecourse import World
from crosstrack.generator.statutes import load_statutes

FROM_ADMISSION = np.iinfo(np.int64).min // 4
"""The from-date of a candidate held as sentenced (or flagged) by the custodial agency: before any date."""


def _stay_records(refs: dict[str, dict]) -> pd.DataFrame:
    """Stay id -> (system, record id) of the admission, booking or commitment delivered for it."""
    parts = [
        pd.DataFrame({"stay_id": ref["stay_id"], "system": system, "record_id": ref["record_id"].to_pylist()})
        for system, ref in refs.items()
        if len(ref["stay_id"])
    ]
    return pd.concat(parts, ignore_index=True)


def _stay_dockets(world: World, dockets: Dockets) -> pd.DataFrame:
    """(stay, episode) pairs: the stay's own docket, and the docket a probationer held on a new arrest had revoked."""
    st, rev = world.stays, dockets.revocations
    own = pd.DataFrame({"stay_id": st["stay_id"], "episode_id": st["episode_id"], "own": True})
    own = own[own["episode_id"] >= 0]
    revoked = pd.DataFrame({"stay_id": rev["stay_id"], "episode_id": rev["episode_id"], "own": False})
    revoked = revoked[revoked["stay_id"] >= 0]
    pairs = pd.concat([own, revoked], ignore_index=True)
    return pairs.drop_duplicates(["stay_id", "episode_id"], keep="first")


def governing_offenses_table(world: World, dockets: Dockets, refs: dict[str, dict], as_of: int) -> pa.Table:
    st, ss, ep, ch = world.stays, world.statuses, dockets.episodes, dockets.charges
    sentenced = np.unique(ss["stay_id"][np.isin(ss["status"], ["SEN", "PV"])])
    statutes = load_statutes()
    felony_of = dict(zip(statutes.citation.tolist(), statutes.is_felony.tolist(), strict=True))
    reported = np.where(ch["amended"] != "", ch["amended"], ch["citation"])
    epos = np.searchsorted(ep["episode_id"], ch["episode_id"])
    original = np.where(ch["incarcerated"] & (ch["disposition_date"] <= as_of), ch["disposition_date"], NA_DAY)
    revoked = np.where(ch["revocation"] != "", ch["revocation_date"], NA_DAY)
    charges = pd.DataFrame(
        {
            "episode_id": ch["episode_id"],
            "charge_number": ch["charge_no"],
            "docket_number": ep["docket_number"].take(pa.array(epos)).to_pylist(),
            "filing": ep["filing"][epos],
            "reported_citation": reported,
            "is_felony": [felony_of.get(c, False) for c in reported.tolist()],
            "is_lead": ch["is_lead"],
            "is_incarcerated": ch["incarcerated"],
            # the first court sentence to incarceration: the original one, else the one imposed on revocation
            "court_from": np.where(original != NA_DAY, original, revoked),
        }
    )
    stays = pd.DataFrame({"stay_id": st["stay_id"], "agency": st["agency"], "kind": st["kind"]})
    stays = stays[stays["stay_id"].isin(sentenced)]
    stays = stays.merge(_stay_records(refs), on="stay_id")
    cand = stays.merge(_stay_dockets(world, dockets), on="stay_id").merge(charges, on="episode_id")
    doc_sentence = (cand["agency"] == DOC) & (cand["kind"] == "doc")
    # IMS delivers the convicted charges of a DOC sentence and flags its lead charge (R-CHG-2)
    flagged = doc_sentence & cand["is_lead"]
    # the county flags the sentenced charges of the docket a sentenced booking serves (not a violator's stay)
    county_flag = (
        ~doc_sentence & cand["own"] & cand["is_incarcerated"] & cand["kind"].isin(["hold", "sentence", "stepdown"])
    )
    from_date = np.where(flagged | county_flag | (doc_sentence & cand["is_incarcerated"]), FROM_ADMISSION, NA_DAY)
    from_date = np.where((from_date == NA_DAY) & (cand["court_from"] != NA_DAY), cand["court_from"], from_date)
    cand = cand.assign(tier=np.where(flagged, 0, np.where(cand["is_felony"], 1, 2)), from_day=from_date)
    cand = cand[(cand["from_day"] != NA_DAY) & (cand["from_day"] <= as_of)]
    changes = cand[["stay_id", "from_day"]].drop_duplicates().rename(columns={"from_day": "valid_from"})
    pairs = changes.merge(cand, on="stay_id")
    pairs = pairs[pairs["from_day"] <= pairs["valid_from"]]
    pairs = pairs.assign(misdemeanor_charge=np.where(pairs["tier"] == 2, pairs["charge_number"], 0))
    pairs = pairs.sort_values(
        ["stay_id", "valid_from", "tier", "filing", "misdemeanor_charge", "docket_number", "charge_number"],
        kind="stable",
    )
    chosen = pairs.drop_duplicates(["stay_id", "valid_from"], keep="first").sort_values(["stay_id", "valid_from"])
    valid_to = chosen.groupby("stay_id")["valid_from"].shift(-1)
    from_days = chosen["valid_from"].to_numpy()
    to_days = valid_to.fillna(NA_DAY).astype(np.int64).to_numpy()
    return pa.table(
        {
            "system": chosen["system"].to_numpy(),
            "record_id": chosen["record_id"].to_numpy(),
            "valid_from": _dates(from_days, FROM_ADMISSION),
            "valid_to": _dates(to_days, NA_DAY),
            "docket_number": chosen["docket_number"].to_numpy(),
            "charge_number": chosen["charge_number"].to_numpy(),
            "reported_citation": chosen["reported_citation"].to_numpy(),
            "is_felony": chosen["is_felony"].to_numpy(),
            "is_ims_flag": (chosen["tier"] == 0).to_numpy(),
        }
    )


def _dates(days: np.ndarray, missing: int) -> pa.Array:
    """Day numbers as dates; `missing` (from admission, or no end) as null."""
    days = np.asarray(days, dtype=np.int64)
    return pa.array(np.where(days == missing, 0, days).astype("datetime64[D]"), mask=days == missing)
