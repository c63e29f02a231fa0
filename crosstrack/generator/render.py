"""Render typed frames to the contract's text format and write RFC-4180 CSV (quoting only where needed, LF)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crosstrack.contract import Column, LandingFile, System
from crosstrack.generator.frames import NA_DAY, day
from crosstrack.generator.values import FLAG_NA, NA_INT, NA_TS

FIRST_DAY = day("1900-01-01")
LAST_DAY = day("2100-12-31")
WRITE_CHUNK_ROWS = 1_000_000
SPECIAL = '",\r\n'  # characters that make a CSV field need quotes


class MissingGeneratorValue(RuntimeError):
    """A contract column the generator has no value for (the contract changed: the generator must follow)."""


@cache
def _date_strings(fmt: str) -> pa.Array:
    days = np.arange(FIRST_DAY, LAST_DAY + 1).astype("datetime64[D]")
    return pc.strftime(pa.array(days).cast(pa.timestamp("s")), format=fmt)


@cache
def _time_strings(fmt: str) -> pa.Array:
    seconds = np.arange(86400).astype("datetime64[s]")
    return pc.strftime(pa.array(seconds), format=fmt)


def _split_timestamp_format(fmt: str) -> tuple[str, str, str]:
    """'%Y-%m-%d %H:%M:%S' -> ('%Y-%m-%d', ' ', '%H:%M:%S'); the time part must start at %H."""
    at = fmt.index("%H")
    date_part = fmt[:at].rstrip(" T")
    return date_part, fmt[len(date_part) : at], fmt[at:]


def render_dates(days: np.ndarray, fmt: str) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    missing = days == NA_DAY
    if (~missing & ((days < FIRST_DAY) | (days > LAST_DAY))).any():
        raise ValueError("a generated date is outside 1900-2100")
    index = pa.array(np.where(missing, 0, days - FIRST_DAY), mask=missing)
    return _date_strings(fmt).take(index)


def render_timestamps(seconds: np.ndarray, fmt: str) -> pa.Array:
    seconds = np.asarray(seconds, dtype=np.int64)
    missing = seconds == NA_TS
    date_fmt, separator, time_fmt = _split_timestamp_format(fmt)
    days = np.where(missing, NA_DAY, seconds // 86400)
    date_text = render_dates(days, date_fmt)
    time_text = _time_strings(time_fmt).take(pa.array(np.where(missing, 0, seconds % 86400)))
    return pc.binary_join_element_wise(date_text, time_text, separator)


def render_column(column: Column, system: System, values) -> pa.Array:
    """The column's values as contract text (null = empty field)."""
    if column.type == "date":
        return render_dates(values, column.parse_format(system))
    if column.type == "timestamp":
        return render_timestamps(values, column.parse_format(system))
    if column.type == "integer":
        values = np.asarray(values, dtype=np.int64)
        return pc.cast(pa.array(values, mask=values == NA_INT), pa.string())
    if column.type == "flag":
        values = np.asarray(values, dtype=np.int8)
        index = pa.array((values == 1).astype(np.int8), mask=values == FLAG_NA)
        return pa.array([system.flag_false, system.flag_true], pa.string()).take(index)
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = np.asarray(values)
        values = pa.array(values if values.dtype.kind == "U" else values.astype(str), pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = values.cast(pa.string())
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def render_file(landing_file: LandingFile, system: System, frame: dict) -> dict[str, pa.Array]:
    """Contract column name -> text array, in contract order; fails on a column the generator cannot fill."""
    missing = [c.staged_as for c in landing_file.columns if c.staged_as not in frame]
    if missing:
        raise MissingGeneratorValue(f"{landing_file.relative_path}: no generator value for {missing}")
    return {c.name: render_column(c, system, frame[c.staged_as]) for c in landing_file.columns}


SPECIAL_BYTES = np.frombuffer(SPECIAL.encode("ascii"), dtype=np.uint8)


def _string_bytes(text: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of a (non-chunked) string array's values, without copying."""
    offsets_buf, data_buf = text.buffers()[1], text.buffers()[2]
    if data_buf is None or len(text) == 0:
        return np.zeros(0, dtype=np.uint8)
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width, count=len(text) + 1 + text.offset)[text.offset :]
    return np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]


def _quote_where_needed(text: pa.Array) -> pa.Array:
    """Fields holding a comma, quote or line break quoted (quotes doubled); nulls stay null."""
    if text.null_count == len(text) or not np.isin(_string_bytes(text), SPECIAL_BYTES).any():
        return text
    needs = pc.match_substring_regex(text, '[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


def _csv_field(name: str) -> str:
    return f'"{name.replace(chr(34), chr(34) * 2)}"' if any(ch in name for ch in '",\r\n') else name


def _csv_lines(parts: list[pa.Array]) -> pa.Array:
    """Each row's fields joined by commas and ended by LF (null = empty field)."""
    *first, last = parts
    last = pc.binary_join_element_wise(last, "", "\n", null_handling="replace", null_replacement="")
    if not first:
        return last
    return pc.binary_join_element_wise(*first, last, ",", null_handling="replace", null_replacement="")


def write_csv(
    path: Path, columns: dict[str, pa.Array], order: np.ndarray | None = None, plain: frozenset[str] = frozenset()
) -> int:
    """Write header + rows (optionally in a given row order); returns the number of data records.

    Columns named in `plain` are known to hold no comma, quote or line break (formatted dates, numbers,
    flags) and skip the quoting check.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    n = len(order) if order is not None else (len(columns[names[0]]) if names else 0)
    fields = [_as_array(columns[c]) if c in plain else _quote_where_needed(_as_array(columns[c])) for c in names]
    with path.open("wb") as out:
        out.write((",".join(_csv_field(c) for c in names) + "\n").encode("utf-8"))
        for begin in range(0, n, WRITE_CHUNK_ROWS):
            stop = min(n, begin + WRITE_CHUNK_ROWS)
            if order is None:
                lines = _csv_lines([values.slice(begin, stop - begin) for values in fields])
            else:
                rows = order[begin:stop]
                first, last = int(rows.min()), int(rows.max())
                lines = _csv_lines([values.slice(first, last + 1 - first) for values in fields])
                if not np.array_equal(rows, np.arange(first, last + 1)):
                    lines = lines.take(pa.array(rows - first))
            out.write(_string_bytes(lines))
    return n


def _as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def plain_columns(landing_file: LandingFile, system: System) -> frozenset[str]:
    """Columns whose rendered text can never need quoting (their format has no special character)."""
    plain = set()
    for column in landing_file.columns:
        dated = column.type in ("date", "timestamp")
        if column.type in ("integer", "flag") or (
            dated and not any(ch in column.parse_format(system) for ch in SPECIAL)
        ):
            plain.add(column.name)
    return frozenset(plain)
