"""The published cells of a cube, held in memory by column, so that a query is answered without a statement.

Performance only: the cells are the published ones, as they are in the file. The cube's table is read once, when
its release is opened (crosstrack/api/catalog.py, load_catalog), in one statement ordered by grouping set, into
compact arrays:

- each partition and dimension column as small integer codes, one per distinct value of the column's text
  (`cast(... as varchar)`, which is what a filter compares with), with, per code, the JSON value and the rank
  of the value in the dimension's order (pub_dimensions' value_order; a value not listed comes after, by its text);
- each metric as a typed array (64-bit integers or floats; other types as their JSON values) with a null mask;
- the suppression flag (true unless the cell's flag is false).

A query then takes its grouping set's stretch of rows, keeps those whose codes match its filters, orders them by the
ranks of the partition and requested dimension columns, and renders only those rows. Nothing is summed or
recomputed (R-PUB-2, R-PUB-3): every value is a published one, copied as DuckDB returned it.

An earlier release named by a query is not held: its lookups read one grouping set each, in the same form, and
keep nothing (so the memory goes to the current release only).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SUPPRESSION_COLUMN = "is_suppressed"
GROUPING_COLUMN = "dimensions"


def json_value(value: Any) -> Any:
    """A cell's value as the JSON answer carries it (dates as ISO text, decimals as numbers)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


@dataclass(frozen=True)
class KeyColumn:
    """A partition or dimension column: a code per cell; per code the value's text, JSON value and order rank."""

    codes: np.ndarray
    texts: tuple[str | None, ...]
    values: np.ndarray  # object array: code -> JSON value
    ranks: np.ndarray  # code -> position in the dimension's order

    def codes_of(self, text: str) -> list[int]:
        return [code for code, known in enumerate(self.texts) if known == text]


@dataclass(frozen=True)
class MetricColumn:
    data: np.ndarray  # int64, float64, or object (JSON values)
    nulls: np.ndarray | None  # bool, True where the value is null; None: no nulls

    def take(self, rows: np.ndarray) -> list[Any]:
        values = self.data[rows].tolist()
        if self.nulls is not None:
            for position in np.flatnonzero(self.nulls[rows]).tolist():
                values[position] = None
        return values


@dataclass(frozen=True)
class CubeCells:
    """The cells of a cube (or of one grouping set of it), ordered by grouping set: `sets` gives each grouping
    set's stretch of rows [start, stop)."""

    keys: dict[str, KeyColumn]
    metrics: dict[str, MetricColumn]
    suppressed: np.ndarray  # bool
    sets: dict[str, tuple[int, int]]

    def select(self, grouping_key: str, filters: Sequence[tuple[str, str]], order: Sequence[str]) -> np.ndarray:
        """The rows of one grouping set whose column text equals each filter's value, ordered by `order`'s columns
        (each by its dimension's value order); positions into this object's arrays."""
        start, stop = self.sets.get(grouping_key, (0, 0))
        rows = np.arange(start, stop)
        for name, value in filters:
            column = self.keys[name]
            keep = np.isin(column.codes[rows], column.codes_of(value))
            rows = rows[keep]
        if len(rows) > 1 and order:
            # np.lexsort sorts by its last key first.
            ranks = [self.keys[name].ranks[self.keys[name].codes[rows]] for name in reversed(order)]
            rows = rows[np.lexsort(ranks)]
        return rows

    def column_values(self, name: str, rows: np.ndarray) -> list[Any]:
        """The JSON values of a key or metric column at `rows`."""
        key = self.keys.get(name)
        if key is not None:
            return key.values[key.codes[rows]].tolist()
        return self.metrics[name].take(rows)


def read_cells(
    cursor: duckdb.DuckDBPyConnection,
    table: str,
    key_columns: Sequence[str],
    metric_columns: Sequence[str],
    value_order: Mapping[str, Mapping[str, int]],
    conditions: str = "",
    parameters: Sequence[Any] = (),
) -> CubeCells:
    """Read the cells of `table` (a qualified name from the catalog; `conditions`, a where clause with bound
    `parameters`, narrows it to one grouping set) into columns. `key_columns` and `metric_columns` are catalog
    names, already checked as safe identifiers; `value_order` gives each key column's value order (text -> position)."""
    where = f" where {conditions}" if conditions else ""
    names = [GROUPING_COLUMN, *key_columns, *metric_columns, SUPPRESSION_COLUMN]
    sql = f"select {', '.join(f'{chr(34)}{name}{chr(34)}' for name in names)} from {table}{where}"
    arrow = cursor.sql(sql, params=list(parameters) or None).to_arrow_table()
    grouping = pc.dictionary_encode(arrow.column(0)).combine_chunks()
    grouping_codes = grouping.indices.to_numpy(zero_copy_only=False)
    # Rows in grouping-set order (stable: the table's own order within a set), each set one stretch.
    order = np.argsort(grouping_codes, kind="stable")
    sets = _stretches(grouping_codes[order], grouping.dictionary.to_pylist())
    keys: dict[str, KeyColumn] = {}
    for name in key_columns:
        column = arrow.column(name)
        texts = None
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            # The text a filter compares with is DuckDB's cast to varchar: asked of DuckDB for each distinct value.
            texts = dict(
                cursor.sql(
                    f'select distinct "{name}", cast("{name}" as varchar) from {table}{where}',
                    params=list(parameters) or None,
                ).fetchall()
            )
        keys[name] = _key_column(column, texts, value_order.get(name, {}), order)
    metrics = {name: _metric_column(arrow.column(name), order) for name in metric_columns}
    flag = arrow.column(SUPPRESSION_COLUMN)
    kept = np.asarray(pc.fill_null(pc.equal(flag, False), False).to_numpy(zero_copy_only=False), dtype=bool)
    return CubeCells(keys=keys, metrics=metrics, suppressed=~kept[order], sets=sets)


def _stretches(codes: np.ndarray, names: list[str | None]) -> dict[str, tuple[int, int]]:
    """Each grouping set's [start, stop) in rows ordered by grouping set (`codes`, sorted)."""
    if len(codes) == 0:
        return {}
    boundaries = (np.flatnonzero(np.diff(codes)) + 1).tolist()
    starts, stops = [0, *boundaries], [*boundaries, len(codes)]
    return {
        names[int(codes[start])]: (start, stop)
        for start, stop in zip(starts, stops, strict=True)
        if names[int(codes[start])] is not None
    }


def _key_column(
    column: pa.ChunkedArray, texts: dict[Any, str] | None, order: Mapping[str, int], rows: np.ndarray
) -> KeyColumn:
    encoded = pc.dictionary_encode(column, null_encoding="encode").combine_chunks()
    raw = encoded.dictionary.to_pylist()
    text = [value if texts is None else texts.get(value) for value in raw]
    values = np.empty(len(raw), dtype=object)
    values[:] = [json_value(value) for value in raw]
    # Rank: the dimension's value order, then values it does not list, by their text.
    orders = [_order_of(order, value) for value in values]
    ranking = sorted(range(len(raw)), key=lambda code: orders[code])
    ranks = np.empty(len(raw), dtype=np.int32)
    ranks[ranking] = np.arange(len(raw), dtype=np.int32)
    dtype = np.int16 if len(raw) < 2**15 else np.int32
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(dtype)[rows]
    return KeyColumn(codes=codes, texts=tuple(text), values=values, ranks=ranks)


def _order_of(order: Mapping[str, int], value: Any) -> tuple[int, str]:
    text = "" if value is None else str(value)
    return (order.get(text, len(order)), text)


def _metric_column(column: pa.ChunkedArray, rows: np.ndarray) -> MetricColumn:
    array = column.combine_chunks()
    nulls = None
    if array.null_count:
        nulls = np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)[rows]
    if pa.types.is_integer(array.type):
        data = np.asarray(pc.fill_null(array.cast(pa.int64()), 0).to_numpy(zero_copy_only=False))
    elif pa.types.is_floating(array.type):
        data = np.asarray(pc.fill_null(array.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False))
    else:  # dates, decimals, text: kept as their JSON values
        data = np.empty(len(array), dtype=object)
        data[:] = [json_value(value) for value in array.to_pylist()]
    return MetricColumn(data=data[rows], nulls=nulls)
