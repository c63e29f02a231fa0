"""Typed column values before rendering, and small vectorized helpers to build them.

In a file frame (keys = the contract's ``staged_as`` names) each value array is typed by its contract column:
date -> int64 day numbers (``NA_DAY`` missing); timestamp -> int64 seconds (``NA_TS``); integer -> int64
(``NA_INT``); string and code -> numpy unicode or pyarrow string array ('' / null missing); flag -> int8 1/0/-1.
Keys starting with ``_`` are bookkeeping (``_person_id``, ``_created``) and are never written.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crosstrack.generator.config import SYSTEM_CODES
from crosstrack.generator.frames import NA_DAY

NA_TS = np.int64(-(10**12))
NA_INT = np.iinfo(np.int64).min
FLAG_NA = np.int8(-1)


def ident(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers like ``BK000001234``: prefix + zero-padded number (vectorized)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def ident_join(parts: list[pa.Array | str], separator: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*[pa.scalar(p) if isinstance(p, str) else p for p in parts], separator)


def map_codes(kind: str, system: str, canonical: np.ndarray) -> np.ndarray:
    """Canonical values -> the system's codes ('' stays ''); unknown canonical values are a generator bug."""
    mapping = SYSTEM_CODES[kind][system]
    uniq, inverse = np.unique(np.asarray(canonical), return_inverse=True)
    missing = [u for u in uniq.tolist() if u and u not in mapping]
    if missing:
        raise ValueError(f"no {system} code for {kind} values {missing}")
    return np.asarray([mapping.get(u, "") for u in uniq.tolist()], dtype=object)[inverse].astype(str)


def lookup(table: dict[str, str], canonical: np.ndarray) -> np.ndarray:
    uniq, inverse = np.unique(np.asarray(canonical), return_inverse=True)
    return np.asarray([table.get(u, "") for u in uniq.tolist()], dtype=object)[inverse].astype(str)


def to_timestamp(days: np.ndarray, rng: np.random.Generator, earliest_hour: int = 0) -> np.ndarray:
    """Day numbers -> seconds at a random time of that day (missing days stay missing)."""
    seconds = rng.integers(earliest_hour * 3600, 86400, len(days))
    return np.where(days == NA_DAY, NA_TS, days.astype(np.int64) * 86400 + seconds)


def flag(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    out = np.asarray(values).astype(np.int8)
    if mask is not None:
        out = np.where(mask, out, FLAG_NA).astype(np.int8)
    return out


def int_or_na(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, np.asarray(values, dtype=np.int64), NA_INT)
