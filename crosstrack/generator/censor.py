"""Cut the simulated world to the extract window: nothing after `as_of`, nothing that ended before 2010."""

from __future__ import annotations

import numpy as np

from crosstrack.generator.frames import NA_DAY, Frame, take
from crosstrack.generator.lifecourse import World


def _open_after(values: np.ndarray, as_of: int) -> np.ndarray:
    """End dates after as_of become missing (still open on the extract date)."""
    return np.where(values > as_of, NA_DAY, values)


def _reached_window(end: np.ndarray, window_start: int) -> np.ndarray:
    return (end >= window_start) | (end == NA_DAY)


def censor_world(world: World, as_of: int, window_start: int) -> World:
    """Keep records that happened by as_of and reached the window; open what is still open on as_of."""
    ep = world.episodes
    keep_ep = (ep["filing"] <= as_of) & _reached_window(ep["last_day"], window_start)
    episodes = take(ep, np.flatnonzero(keep_ep))
    kept_ids = episodes["episode_id"]
    charges = take(world.charges, np.flatnonzero(np.isin(world.charges["episode_id"], kept_ids)))

    st = world.stays
    in_kept_episode = np.isin(st["episode_id"], kept_ids)
    keep_stay = (st["start"] <= as_of) & _reached_window(st["end"], window_start)
    keep_stay &= np.where(st["episode_id"] >= 0, in_kept_episode, True)
    stays = take(st, np.flatnonzero(keep_stay))
    still_in = (stays["end"] > as_of) | (stays["end"] == NA_DAY)
    stays["end"] = np.where(still_in, NA_DAY, stays["end"])
    stays["release"] = np.where(still_in, "", stays["release"])

    ss = world.statuses
    keep_status = np.isin(ss["stay_id"], stays["stay_id"]) & (ss["start"] <= as_of) & (ss["end"] >= ss["start"])
    keep_status |= np.isin(ss["stay_id"], stays["stay_id"]) & (ss["start"] <= as_of) & (ss["end"] == NA_DAY)
    statuses = take(ss, np.flatnonzero(keep_status))
    statuses["end"] = _open_after(statuses["end"], as_of)

    sp = world.supervisions
    keep_sup = (sp["start"] <= as_of) & _reached_window(sp["end"], window_start)
    keep_sup &= (sp["episode_id"] < 0) | np.isin(sp["episode_id"], kept_ids)
    supervisions: Frame = take(sp, np.flatnonzero(keep_sup))
    open_sup = supervisions["end"] > as_of
    supervisions["end"] = np.where(open_sup, NA_DAY, supervisions["end"])
    supervisions["end_reason"] = np.where(open_sup, "", supervisions["end_reason"])

    vi = world.violations
    keep_v = np.isin(vi["supervision_id"], supervisions["supervision_id"]) & (vi["violation_date"] <= as_of)
    violations = take(vi, np.flatnonzero(keep_v))
    return World(
        people=world.people,
        episodes=episodes,
        charges=charges,
        stays=stays,
        statuses=statuses,
        supervisions=supervisions,
        violations=violations,
    )
