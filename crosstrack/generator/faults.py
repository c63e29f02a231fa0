"""Data-quality faults injected into the extracts at documented, configurable rates, each one logged.

Every injected fault is a row of ``truth/faults``: system, file, landing_row (1-based data record number in the
written file, header excluded), column (contract column name; empty for a duplicated row) and fault kind.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from crosstrack.contract import LandingFile
from crosstrack.generator.frames import NA_DAY, Frame, year_of
from crosstrack.generator.values import NA_TS


@dataclass(frozen=True)
class FaultRates:
    """Per-record probabilities of each data-quality fault (see docs/generator.md for the defaults' rationale)."""

    missing_sid_courts_before_2018: float = 0.14
    """MassCourts dockets filed before 2018 without the defendant's SID (R-SRC-3)."""
    missing_sid_courts_since_2018: float = 0.05
    """MassCourts dockets filed from 2018 on without the SID."""
    missing_sid_custody_before_2018: float = 0.04
    """IMS, OMS and JMS person records created before 2018 (legacy records) without the SID."""
    missing_sid_custody_since_2018: float = 0.008
    """Custodial person records created from 2018 on (Live Scan at booking) without the SID."""
    missing_sid_supervision: float = 0.02
    """Parole and Probation person records without the SID."""
    wrong_sid: float = 0.002
    """Person records carrying someone else's SID."""
    name_typo: float = 0.004
    """Person records with two adjacent letters of the last or first name swapped."""
    swapped_birth_date: float = 0.002
    """Person records whose birth date has day and month swapped (only where both are 12 or less)."""
    duplicate_row: float = 0.0008
    """Rows delivered twice, byte for byte (primary key repeated)."""
    unknown_code: float = 0.0006
    """Rows where one code column holds a code outside the system's code set."""
    impossible_date: float = 0.0004
    """Rows with an impossible date: an end before its start, or a birth date after the extract date."""
    malformed_value: float = 0.0004
    """Rows where a date or an integer score holds unparseable text."""

    @classmethod
    def none(cls) -> FaultRates:
        return cls(**{f.name: 0.0 for f in fields(cls)})

    @classmethod
    def from_yaml(cls, path: Path) -> FaultRates:
        """Defaults overridden by a YAML mapping of rate name -> probability in [0, 1]."""
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(document, dict):
            raise ValueError(f"{path}: expected a mapping of fault rate names to numbers")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(document) - known)
        if unknown:
            raise ValueError(f"{path}: unknown fault rates {unknown}; known: {sorted(known)}")
        for name, value in document.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ValueError(f"{path}: fault rate {name} must be a number between 0 and 1, got {value!r}")
        return replace(cls(), **{k: float(v) for k, v in document.items()})


# (start, end) pairs by staged name: an end before its start is an impossible date.
START_END_PAIRS = (
    ("admission_date", "release_date"),
    ("booking_date", "release_date"),
    ("commitment_at", "release_at"),
    ("placement_start_date", "placement_end_date"),
    ("status_start_date", "status_end_date"),
    ("status_start_at", "status_end_at"),
    ("supervision_start_date", "supervision_end_date"),
    ("enrollment_date", "exit_date"),
)
MALFORMED_DATES = np.array(["UNKNOWN", "00/00/0000", "2O19-1-5", "N/A", "99999999", "31-31-2020"])
MALFORMED_NUMBERS = np.array(["N/A", "8a", "?", "1O", "--"])
UNKNOWN_CODES = np.array(["ZZ", "99X", "XQ", "#N/A"])


class FaultLog:
    """Faults injected into one file, by 0-based row in the (pre-duplication) frame."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.columns: list[np.ndarray] = []
        self.kinds: list[np.ndarray] = []

    def add(self, rows: np.ndarray, column: str | np.ndarray, kind: str) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        self.rows.append(rows)
        self.columns.append(np.broadcast_to(np.asarray(column, dtype=object), rows.shape).astype(object))
        self.kinds.append(np.full(rows.size, kind, dtype=object))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), np.zeros(0, dtype=object)
        return np.concatenate(self.rows), np.concatenate(self.columns), np.concatenate(self.kinds)


def _pick(rng: np.random.Generator, n: int, rate: float | np.ndarray, taken: np.ndarray) -> np.ndarray:
    """Rows hit by a fault (at most one fault of the value kinds per row, so the log stays unambiguous)."""
    hit = (rng.random(n) < rate) & ~taken
    taken |= hit
    return np.flatnonzero(hit)


def _as_text(values: np.ndarray | pa.Array) -> np.ndarray:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return np.asarray(pc.fill_null(values, "").to_numpy(zero_copy_only=False)).astype(str)
    return np.asarray(values).astype(str)


def _with_rows_replaced(values: np.ndarray, rows: np.ndarray, new: np.ndarray) -> np.ndarray:
    """A copy of a text array with some rows replaced (widened where a new value is longer)."""
    new = np.asarray(new).astype(str)
    out = values.astype(np.result_type(values.dtype, new.dtype))
    out[rows] = new
    return out


def _swap_adjacent_letters(names: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap two adjacent characters at a random position (vectorized on a fixed-width code-point matrix)."""
    if names.size == 0:
        return names
    width = max(2, int(np.char.str_len(names).max()))
    fixed = names.astype(f"<U{width}")
    matrix = fixed.view(np.uint32).reshape(len(names), width).copy()
    lengths = np.char.str_len(fixed)
    pos = np.floor(rng.random(len(names)) * np.maximum(1, lengths - 1)).astype(np.int64)
    rows = np.arange(len(names))
    ok = lengths >= 2
    left = matrix[rows, pos].copy()
    matrix[rows[ok], pos[ok]] = matrix[rows[ok], pos[ok] + 1]
    matrix[rows[ok], pos[ok] + 1] = left[ok]
    return matrix.view(f"<U{width}").reshape(len(names))


def _swap_day_month(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dates with day and month swapped, and which rows could be swapped (both parts 12 or less, not equal)."""
    dt = days.astype("datetime64[D]")
    month = dt.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (dt - dt.astype("datetime64[M]")).astype(np.int64) + 1
    ok = (days != NA_DAY) & (dom <= 12) & (dom != month)
    year = year_of(days)
    # first of the year + (old day - 1) months + (old month - 1) days
    year_start = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]")
    new = (year_start + (dom - 1)).astype("datetime64[D]") + (month - 1)
    out = np.where(ok, new.astype(np.int64), days)
    return out, ok


def inject_value_faults(
    frame: Frame,
    landing_file: LandingFile,
    rates: FaultRates,
    rng: np.random.Generator,
    other_sids: np.ndarray,
    as_of: int,
) -> FaultLog:
    """Identity, code and date faults on the typed frame, in place. Returns the log (0-based rows)."""
    log = FaultLog()
    n = len(frame["_person_id"])
    if n == 0:
        return log
    by_staged = {c.staged_as: c for c in landing_file.columns}
    taken = np.zeros(n, dtype=bool)
    created = frame["_created"]
    if "sid" in by_staged:
        _sid_faults(frame, landing_file, rates, rng, other_sids, created, taken, log, by_staged["sid"].name)
        for staged in ("last_name", "first_name"):
            rows = _pick(rng, n, rates.name_typo / 2, taken)
            names = _as_text(frame[staged])
            names[rows] = _swap_adjacent_letters(names[rows], rng)
            frame[staged] = names
            log.add(rows, by_staged[staged].name, "name_typo")
        rows = _pick(rng, n, rates.swapped_birth_date, taken)
        swapped, ok = _swap_day_month(frame["birth_date"][rows])
        rows = rows[ok]
        frame["birth_date"] = frame["birth_date"].copy()
        frame["birth_date"][rows] = swapped[ok]
        log.add(rows, by_staged["birth_date"].name, "swapped_birth_date")

    code_cols = [c for c in landing_file.columns if c.type == "code"]
    if code_cols:
        rows = _pick(rng, n, rates.unknown_code, taken)
        which = rng.integers(0, len(code_cols), rows.size)
        for i, col in enumerate(code_cols):
            r = rows[which == i]
            if not r.size:
                continue
            codes = UNKNOWN_CODES[rng.integers(0, len(UNKNOWN_CODES), r.size)]
            frame[col.staged_as] = _with_rows_replaced(_as_text(frame[col.staged_as]), r, codes)
            log.add(r, col.name, "unknown_code")

    _impossible_dates(frame, by_staged, rates, rng, taken, log, as_of)
    return log


def _sid_faults(frame, landing_file, rates, rng, other_sids, created, taken, log, sid_column) -> None:
    n = len(taken)
    system = landing_file.system
    before_2018 = year_of(created) < 2018
    if system == "masscourts":
        missing_rate = np.where(before_2018, rates.missing_sid_courts_before_2018, rates.missing_sid_courts_since_2018)
    elif system in ("ims", "oms", "jms"):
        missing_rate = np.where(
            before_2018, rates.missing_sid_custody_before_2018, rates.missing_sid_custody_since_2018
        )
    else:
        missing_rate = np.full(n, rates.missing_sid_supervision)
    rows = _pick(rng, n, missing_rate, taken)
    sid = _with_rows_replaced(_as_text(frame["sid"]), rows, np.full(rows.size, ""))
    log.add(rows, sid_column, "missing_sid")
    rows = _pick(rng, n, rates.wrong_sid, taken)
    replacement = other_sids[rng.integers(0, len(other_sids), rows.size)]
    same = replacement == sid[rows]
    replacement[same] = other_sids[(rng.integers(0, len(other_sids), same.sum()) + 1) % len(other_sids)]
    frame["sid"] = _with_rows_replaced(sid, rows, replacement)
    log.add(rows, sid_column, "wrong_sid")


def _impossible_dates(frame, by_staged, rates, rng, taken, log, as_of) -> None:
    n = len(taken)
    if "birth_date" in by_staged:
        rows = _pick(rng, n, rates.impossible_date, taken)
        frame["birth_date"] = frame["birth_date"].copy()
        frame["birth_date"][rows] = as_of + rng.integers(1, 3000, rows.size)
        log.add(rows, by_staged["birth_date"].name, "impossible_date")
        return
    for start_name, end_name in START_END_PAIRS:
        if start_name in by_staged and end_name in by_staged:
            end = frame[end_name]
            missing = NA_TS if by_staged[end_name].type == "timestamp" else NA_DAY
            unit = 86400 if by_staged[end_name].type == "timestamp" else 1
            candidates = (end != missing) & (frame[start_name] != missing)
            rows = _pick(rng, n, rates.impossible_date * candidates, taken)
            end = end.copy()
            end[rows] = frame[start_name][rows] - unit * rng.integers(1, 400, rows.size)
            frame[end_name] = end
            log.add(rows, by_staged[end_name].name, "impossible_date")
            return


def inject_malformed(
    rendered: dict[str, pa.Array],
    landing_file: LandingFile,
    rates: FaultRates,
    rng: np.random.Generator,
    n: int,
    taken_rows: np.ndarray,
    log: FaultLog,
) -> None:
    """Unparseable text in a date or integer column of the rendered (string) columns, in place."""
    targets = [c for c in landing_file.columns if c.type in ("date", "timestamp", "integer")]
    targets = [c for c in targets if c.name != landing_file.primary_key]
    if not targets or n == 0:
        return
    taken = np.zeros(n, dtype=bool)
    taken[taken_rows] = True
    rows = _pick(rng, n, rates.malformed_value, taken)
    which = rng.integers(0, len(targets), rows.size)
    for i, col in enumerate(targets):
        r = rows[which == i]
        if not r.size:
            continue
        texts = MALFORMED_NUMBERS if col.type == "integer" else MALFORMED_DATES
        mask = np.zeros(n, dtype=bool)
        mask[r] = True
        replacements = pa.array(texts[rng.integers(0, len(texts), r.size)])
        rendered[col.name] = pc.replace_with_mask(rendered[col.name], pa.array(mask), replacements)
        log.add(r, col.name, "malformed_value")


def duplicate_rows(n: int, rate: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Row order with some rows written twice in a row, and the output positions of the duplicate copies."""
    dup = rng.random(n) < rate
    order = np.repeat(np.arange(n), 1 + dup.astype(np.int64))
    copy_positions = np.flatnonzero(np.r_[False, order[1:] == order[:-1]])
    return order, copy_positions
