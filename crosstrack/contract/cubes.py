"""The public cubes: `cubes.yml` beside this module, expanded into one definition per cohort.

`cubes.yml` is the single source of the public layer's cohorts, dimensions and metrics. `public_cubes()` expands
its names, groups and templates into the structure the dbt macro `public_cubes()` returns (the renderer writes
that macro, macros/public_cubes.sql, from this expansion) and that the Python side (public_utility, the disclosure
audit) reads.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from crosstrack.contract import ContractError

RULES = ("R-CHG-4", "R-PUB-4")  # the rules of docs/rules.md this module implements

PROGRAM_GROUPS_SEED = Path("seeds/program_groups.csv")
PROGRAM_GROUPS_TEMPLATE = "program_group_enrollments"


def cubes_text() -> str:
    return resources.files(__package__).joinpath("cubes.yml").read_text(encoding="utf-8")


@cache
def cubes_document() -> dict[str, Any]:
    return yaml.safe_load(cubes_text())


def _fill(value: object, fields: dict[str, str]) -> object:
    return " ".join(str(value).format(**fields).split()) if isinstance(value, str) else value


def _template_fields(document: dict[str, Any], value: str, label: str) -> dict[str, str]:
    return {
        "value": value,
        "Value": value.capitalize(),
        "label": label,
        "threshold": str(document["suppression_threshold"]),
    }


def _expand_template(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    template = document["metric_templates"][name]
    return [
        {key: _fill(text, _template_fields(document, value, label)) for key, text in metric.items()}
        for value, label in template["for_each"].items()
        for metric in template["metrics"]
    ]


# A median is taken of the column as a 32-bit integer (render_cubes.py: half the memory of its values), exact only
# for whole numbers: days.
MEDIAN_UNIT = "days"


# An aggregate of the cells: one function over one expression of a record's columns (`*`: count(*)).
_AGGREGATE = re.compile(r"(?P<aggregate>count|sum|avg|min|max)\((?P<input>.+)\)")


def _aggregate(where: str, sql: str) -> dict[str, str]:
    """`sql` as its aggregate function and the expression of a record it aggregates: the cells compute that
    expression once per record, before the records are joined to the grouping sets (macros/public_cells.sql)."""
    match = _AGGREGATE.fullmatch(sql.strip())
    depth = 0
    for character in match["input"] if match else "":
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            break
    if match is None or depth != 0:
        raise ContractError(
            f"cubes.yml: {where}: {sql!r} is not one aggregate (count, sum, avg, min or max) of an expression of "
            "the records"
        )
    return {"aggregate": match["aggregate"], "input": match["input"]}


def _metric(document: dict[str, Any], name: str) -> dict[str, Any]:
    raw = document["metrics"][name]
    if "median_of" in raw and raw.get("unit") != MEDIAN_UNIT:
        raise ContractError(
            f"cubes.yml: metric {name!r}: a median is of whole {MEDIAN_UNIT} (unit {raw.get('unit')!r}); "
            "its column is taken as an integer"
        )
    metric: dict[str, Any] = {"name": name}
    for key, value in raw.items():
        if key == "scale":
            value = {"name": value, **document["scales"][value]}
        metric[key] = _fill(value, _template_fields(document, "", ""))
    return metric


def _metrics(document: dict[str, Any], names: list[str]) -> list[dict[str, Any]]:
    metrics: list[dict[str, Any]] = []
    for name in names:
        if name in document["metric_groups"]:
            metrics += _metrics(document, document["metric_groups"][name])
        elif name in document["metric_templates"]:
            metrics += _expand_template(document, name)
        elif name in document["metrics"]:
            metrics.append(_metric(document, name))
        else:
            raise ContractError(f"cubes.yml: unknown metric, metric group or template {name!r}")
    return metrics


def _dimensions(document: dict[str, Any], names: list[str], status_filter: bool) -> list[dict[str, Any]]:
    dimensions: list[dict[str, Any]] = []
    for name in names:
        if name in document["dimension_groups"]:
            dimensions += _dimensions(document, document["dimension_groups"][name], status_filter)
        elif name in document["dimensions"]:
            raw = document["dimensions"][name]
            dimension = {
                "name": name,
                **{k: v for k, v in raw.items() if status_filter or k != "requires_offender_status"},
            }
            dimensions.append(dimension)
        else:
            raise ContractError(f"cubes.yml: unknown dimension or dimension group {name!r}")
    return dimensions


def _protection_columns(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The restricted columns a cube's cells carry to protect its metrics (R-PUB-3, R-PUB-4): the cell key of each
    count (the sum of the fingerprints of the records it counts) and the scale of each magnitude, once each."""
    columns: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        if metric["protect"] == "count":
            column = {
                "name": metric["key_column"],
                "sql": metric["key"],
                "description": f"Cell key of {metric['name']}: the sum of the fingerprints of the records it counts "
                "(record_fingerprint macro); the same records give the same key in any cube. Restricted.",
            }
        elif metric["protect"] == "magnitude":
            column = metric["scale"]
        else:
            continue
        columns.setdefault(column["name"], {**column, **_aggregate(f"column {column['name']!r}", column["sql"])})
    return list(columns.values())


def _expand(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    cubes = {}
    for cohort, raw in document["cubes"].items():
        cubes[cohort] = {
            "table": raw["table"],
            "records": raw["records"],
            "cells": raw["records"].replace("_records", "_cells"),
            "label": raw["label"],
            "description": _fill(raw["description"], {}),
            "partitions": raw["partitions"],
            "dimensions": _dimensions(document, raw["dimensions"], not raw.get("without_offender_status_filter")),
            "metrics": _metrics(document, raw["metrics"]),
        }
        for metric in cubes[cohort]["metrics"]:
            if metric["protect"] == "count":
                metric.setdefault("key_column", f"{metric['name']}_key")
            if "sql" in metric:
                metric.update(_aggregate(f"metric {metric['name']!r}", metric["sql"]))
        cubes[cohort]["protection_columns"] = _protection_columns(cubes[cohort]["metrics"])
    return cubes


@cache
def public_cubes() -> dict[str, dict[str, Any]]:
    """Every cohort's cube, expanded: table, records and cells models, partitions, dimensions, metrics and the
    restricted columns that protect them."""
    return _expand(cubes_document())


def suppression_threshold() -> int:
    return int(cubes_document()["suppression_threshold"])


def max_dimensions() -> int:
    return int(cubes_document()["max_dimensions"])


def record_inputs() -> dict[str, str]:
    """The records models' input columns the metrics read, with their descriptions."""
    document = cubes_document()
    inputs: dict[str, str] = {}
    for name, entry in document["record_inputs"].items():
        if isinstance(entry, dict):
            for value, label in document["metric_templates"][entry["for_each"]]["for_each"].items():
                fields = _template_fields(document, value, label)
                inputs[name.format(**fields)] = str(_fill(entry["description"], fields))
        else:
            inputs[name] = str(_fill(entry, {}))
    return inputs


def check_program_groups(root: Path) -> None:
    """The program-group template ranges over exactly the groups of the seed, in its order (one list of groups)."""
    with (root / PROGRAM_GROUPS_SEED).open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["sort_order"]))
    seeded = [row["program_group"].lower() for row in rows]
    defined = list(cubes_document()["metric_templates"][PROGRAM_GROUPS_TEMPLATE]["for_each"])
    if seeded != defined:
        raise ContractError(f"cubes.yml: program groups {defined} differ from {PROGRAM_GROUPS_SEED}: {seeded}")
