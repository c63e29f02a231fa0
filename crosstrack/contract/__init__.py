"""The landing contract: the machine-readable definition of every extract file each source system delivers.

`landing.yml` beside this module is the single source of truth. Everything that needs to know a file's name,
columns, types, keys, code sets or date formats asks `load_contract()`; nothing restates it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

COLUMN_TYPES = ("string", "integer", "date", "timestamp", "code", "flag")


class ContractError(ValueError):
    """The contract file itself is inconsistent."""


@dataclass(frozen=True)
class Column:
    name: str
    staged_as: str
    type: str
    description: str
    required: bool = False
    pii: bool = False
    code_set: str | None = None
    references: str | None = None
    range: tuple[int, int] | None = None
    format: str | None = None

    def parse_format(self, system: System) -> str | None:
        """The strftime format a date or timestamp column is written in (column override, else the system's)."""
        if self.format:
            return self.format
        if self.type == "date":
            return system.date_format
        if self.type == "timestamp":
            return system.timestamp_format
        return None


@dataclass(frozen=True)
class Event:
    """An event a staged row gives the landing timeline: its type, and SQL for its date and code."""

    type: str
    date: str
    code: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class Timeline:
    """How a system's events find their person record and agency."""

    person_file: str
    agency_value: str | None = None
    agency_column: str | None = None


@dataclass(frozen=True)
class LandingFile:
    system: str
    file_name: str
    entity: str
    grain: str
    primary_key: str
    columns: tuple[Column, ...]
    events: tuple[Event, ...] = ()

    @property
    def table_name(self) -> str:
        """The dbt source table name (`source('<system>', '<entity>')`)."""
        return self.entity

    @property
    def relative_path(self) -> str:
        """Where the file sits in a delivery: <system>/<file>."""
        return f"{self.system}/{self.file_name}"

    @property
    def staged_relative_path(self) -> str:
        """Where the gate writes the file's typed records, under its landing/ output: <system>/<file stem>.parquet
        (what the file's dbt source reads)."""
        return f"{self.system}/{Path(self.file_name).stem}.parquet"

    @property
    def staging_model(self) -> str:
        return f"stg_{self.system}__{self.entity}"

    @property
    def base_model(self) -> str:
        return f"base_{self.system}__{self.entity}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.relative_path} has no column {name!r}")


@dataclass(frozen=True)
class System:
    name: str
    label: str
    agency: str
    description: str
    date_format: str
    timestamp_format: str
    flag_values: dict[str, str]
    code_sets: dict[str, dict[str, str]]
    files: tuple[LandingFile, ...] = field(default_factory=tuple)
    timeline: Timeline | None = None

    @property
    def flag_true(self) -> str:
        return self.flag_values["true"]

    @property
    def flag_false(self) -> str:
        return self.flag_values["false"]

    def file(self, file_name: str) -> LandingFile:
        for landing_file in self.files:
            if landing_file.file_name == file_name:
                return landing_file
        raise KeyError(f"system {self.name!r} delivers no file {file_name!r}")


@dataclass(frozen=True)
class Contract:
    version: int
    systems: tuple[System, ...]
    shared_columns: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> list[LandingFile]:
        return [f for s in self.systems for f in s.files]

    def system(self, name: str) -> System:
        for system in self.systems:
            if system.name == name:
                return system
        raise KeyError(f"the contract has no system {name!r}")

    def file(self, relative_path: str) -> LandingFile:
        """A landing file by its delivery path, `<system>/<file>`."""
        system_name, _, file_name = relative_path.partition("/")
        return self.system(system_name).file(file_name)


def _column(raw: dict[str, Any], where: str) -> Column:
    missing = {"name", "staged_as", "type", "description"} - raw.keys()
    if missing:
        raise ContractError(f"{where}: column {raw.get('name')!r} lacks {sorted(missing)}")
    if raw["type"] not in COLUMN_TYPES:
        raise ContractError(f"{where}: column {raw['name']!r} has unknown type {raw['type']!r}")
    if (raw["type"] == "code") != ("code_set" in raw):
        raise ContractError(f"{where}: column {raw['name']!r}: a code column, and only a code column, names a code_set")
    rng = raw.get("range")
    return Column(
        name=raw["name"],
        staged_as=raw["staged_as"],
        type=raw["type"],
        description=str(raw["description"]),
        required=bool(raw.get("required", False)),
        pii=bool(raw.get("pii", False)),
        code_set=raw.get("code_set"),
        references=raw.get("references"),
        range=(int(rng[0]), int(rng[1])) if rng else None,
        format=raw.get("format"),
    )


def _landing_file(system: str, file_name: str, raw: dict[str, Any], code_sets: dict[str, Any]) -> LandingFile:
    where = f"{system}/{file_name}"
    columns = tuple(_column(c, where) for c in raw["columns"])
    names = [c.name for c in columns]
    staged = [c.staged_as for c in columns]
    if len(set(names)) != len(names) or len(set(staged)) != len(staged):
        raise ContractError(f"{where}: column names and staged names must be unique")
    if raw["primary_key"] not in names:
        raise ContractError(f"{where}: primary key {raw['primary_key']!r} is not a column")
    for col in columns:
        if col.code_set and col.code_set not in code_sets:
            raise ContractError(f"{where}: column {col.name!r} names unknown code set {col.code_set!r}")
    return LandingFile(
        system=system,
        file_name=file_name,
        entity=raw["entity"],
        grain=raw["grain"],
        primary_key=raw["primary_key"],
        columns=columns,
        events=tuple(_event(e, where) for e in raw.get("events", [])),
    )


def _event(raw: dict[str, Any], where: str) -> Event:
    missing = {"type", "date"} - raw.keys()
    if missing:
        raise ContractError(f"{where}: event {raw.get('type')!r} lacks {sorted(missing)}")
    return Event(type=raw["type"], date=raw["date"], code=raw.get("code"), optional=bool(raw.get("optional", False)))


def _timeline(raw: dict[str, Any] | None, system: str, files: tuple[LandingFile, ...]) -> Timeline | None:
    if raw is None:
        return None
    timeline = Timeline(
        person_file=raw["person_file"],
        agency_value=raw["agency"].get("value"),
        agency_column=raw["agency"].get("column"),
    )
    person = next((f for f in files if f.file_name == timeline.person_file), None)
    if person is None or any(c.references for c in person.columns):
        raise ContractError(
            f"{system}: the timeline's person file {timeline.person_file!r} is not a file without references"
        )
    if (timeline.agency_value is None) == (timeline.agency_column is None):
        raise ContractError(f"{system}: the timeline's agency is a value or a column")
    return timeline


def parse_contract(document: dict[str, Any]) -> Contract:
    systems = []
    for name, raw in document["systems"].items():
        code_sets = {k: {str(code): str(label) for code, label in v.items()} for k, v in raw["code_sets"].items()}
        files = tuple(_landing_file(name, fname, fraw, code_sets) for fname, fraw in raw["files"].items())
        systems.append(
            System(
                name=name,
                label=raw["label"],
                agency=raw["agency"],
                description=" ".join(str(raw["description"]).split()),
                date_format=raw["date_format"],
                timestamp_format=raw["timestamp_format"],
                flag_values={str(k): str(v) for k, v in raw["flag_values"].items()},
                code_sets=code_sets,
                files=files,
                timeline=_timeline(raw.get("timeline"), name, files),
            )
        )
    shared = {k: " ".join(str(v).split()) for k, v in document.get("shared_columns", {}).items()}
    contract = Contract(version=int(document["contract_version"]), systems=tuple(systems), shared_columns=shared)
    _check_references(contract)
    return contract


def _check_references(contract: Contract) -> None:
    for landing_file in contract.files:
        system = contract.system(landing_file.system)
        for col in landing_file.columns:
            if not col.references:
                continue
            target_file, _, target_col = col.references.rpartition(".")
            try:
                system.file(target_file).column(target_col)
            except KeyError as exc:
                raise ContractError(f"{landing_file.relative_path}.{col.name}: bad reference: {exc}") from exc


def contract_text() -> str:
    return resources.files(__package__).joinpath("landing.yml").read_text(encoding="utf-8")


@cache
def load_contract() -> Contract:
    """The project's landing contract, parsed and checked."""
    return parse_contract(yaml.safe_load(contract_text()))
