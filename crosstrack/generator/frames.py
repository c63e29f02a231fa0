"""Column frames: a dict of equal-length numpy arrays, and the few operations the generator needs on them.

Dates are int64 day numbers since 1970-01-01; a missing date is ``NA_DAY``. Timestamps are int64 seconds.
"""

from __future__ import annotations

import numpy as np

Frame = dict[str, np.ndarray]

NA_DAY = np.int64(-(10**7))
EPOCH = np.datetime64("1970-01-01", "D")


def day(text: str) -> int:
    """Day number of an ISO date."""
    return int((np.datetime64(text, "D") - EPOCH).astype(np.int64))


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number (NA days give a meaningless year: mask them first)."""
    return (days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970).astype(np.int64)


def jan1(year: int) -> int:
    return day(f"{year:04d}-01-01")


def concat(frames: list[Frame]) -> Frame:
    """Row-bind frames that share the same columns (empty list -> empty frame)."""
    frames = [f for f in frames if f and len(next(iter(f.values())))]
    if not frames:
        return {}
    keys = list(frames[0].keys())
    return {k: np.concatenate([f[k] for f in frames]) for k in keys}


def take(frame: Frame, index: np.ndarray) -> Frame:
    return {k: v[index] for k, v in frame.items()}


def nrows(frame: Frame) -> int:
    return len(next(iter(frame.values()))) if frame else 0


def choice(rng: np.random.Generator, labels: list[str] | tuple[str, ...], probs: list[float], n: int) -> np.ndarray:
    """n draws of labels with the given (unnormalized) probabilities, as a numpy string array."""
    p = np.asarray(probs, dtype=float)
    return np.asarray(labels)[rng.choice(len(labels), size=n, p=p / p.sum())]


def choice_rows(rng: np.random.Generator, labels: tuple[str, ...], probs: np.ndarray) -> np.ndarray:
    """One draw per row from a row-specific probability matrix (rows need not sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    idx = (u[:, None] >= cum).sum(axis=1)
    return np.asarray(labels)[np.minimum(idx, len(labels) - 1)]


def group_rank(keys: np.ndarray) -> np.ndarray:
    """0-based position of each row within its key group, in the current row order (stable)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[0, np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - group_start
    return rank


def lognormal_days(rng: np.random.Generator, median: float | np.ndarray, sigma: float, n: int) -> np.ndarray:
    return np.maximum(1, np.round(median * np.exp(sigma * rng.standard_normal(n)))).astype(np.int64)
