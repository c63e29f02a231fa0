"""`crosstrack generate`: simulate life courses, write every landing file of the contract and the ground truth."""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from crosstrack.contract import Contract, LandingFile, load_contract
from crosstrack.generator import community, courts, custody, identity_noise, truth, truth_offenses
from crosstrack.generator.censor import censor_world
from crosstrack.generator.config import (
    GENERATOR_VERSION,
    IDENTITY_PROFILES,
    SIMULATION_START,
    WINDOW_START,
    IdentityNoiseRates,
    check_code_maps,
)
from crosstrack.generator.faults import FaultLog, FaultRates, duplicate_rows, inject_malformed, inject_value_faults
from crosstrack.generator.frames import Frame, day
from crosstrack.generator.lifecourse import LifeCourseParams, World, simulate_world
from crosstrack.generator.people import PeopleParams, draw_people
from crosstrack.generator.render import plain_columns, render_file, write_csv
from crosstrack.generator.statutes import load_statutes

# Careers starting per simulated year at scale 1.0: with as-of 2025-06-30 about 672,000 careers are simulated and
# about 472,000 people reach the 2010+ window. A later as-of simulates more years at the same yearly volume.
CAREERS_PER_YEAR = 672_000 / 27.5


@dataclass(frozen=True)
class GenerateOptions:
    scale: float
    seed: int
    as_of: str
    out: Path
    faults: FaultRates
    profile: str = "default"
    identity: IdentityNoiseRates = IDENTITY_PROFILES["default"]


class ProgressSink(Protocol):
    """Where generation reports its steps (crosstrack.progress.Progress fits; None shows nothing)."""

    def set_total(self, total: float) -> None: ...

    def advance(self, amount: float = 1) -> None: ...


class _NoProgress:
    def set_total(self, total: float) -> None:
        pass

    def advance(self, amount: float = 1) -> None:
        pass


TRUTH_TABLES = (
    "persons",
    "record_links",
    "custody_intervals",
    "releases",
    "faults",
    "identity_noise",
    "governing_offenses",
)


def step_count(contract: Contract) -> int:
    """The steps generation reports: the simulation, each system's frames, each landing file, each truth table."""
    return 1 + len(contract.systems) + len(contract.files) + len(TRUTH_TABLES)


def component_rng(seed: int, component: str) -> np.random.Generator:
    """An independent, reproducible random stream per component (no dependence on call order elsewhere)."""
    return np.random.default_rng([seed, zlib.crc32(component.encode("utf-8"))])


def _with_recorded_identity(people: Frame, rng: np.random.Generator) -> Frame:
    """SID as text, and race as entered where Hispanic is a race (OMS H, JMS HIS: R-RACE-3)."""
    people = dict(people)
    people["sid_text"] = np.char.zfill(people["sid"].astype(str), 8)
    hispanic_as_race = (people["ethnicity"] == "H") & (rng.random(len(people["sid"])) < 0.55)
    people["race_entered"] = np.where(hispanic_as_race, "HISP", people["race"])
    return people


def simulate(options: GenerateOptions) -> tuple[World, Frame, courts.Dockets]:
    as_of = day(options.as_of)
    statutes = load_statutes()
    years = (as_of - day(SIMULATION_START)) / 365.25
    n_people = max(50, round(CAREERS_PER_YEAR * years * options.scale))
    people = draw_people(n_people, component_rng(options.seed, "people"), PeopleParams(), day(SIMULATION_START), as_of)
    world = simulate_world(people, component_rng(options.seed, "lifecourse"), LifeCourseParams(), statutes, as_of)
    world = censor_world(world, as_of, day(WINDOW_START))
    people = _with_recorded_identity(people, component_rng(options.seed, "identity"))
    people, look_alike_kind = identity_noise.add_look_alikes(
        people, options.identity, component_rng(options.seed, "identity_noise/people")
    )
    people["look_alike_kind"] = look_alike_kind
    world.people = people
    dockets = courts.prepare_dockets(world, component_rng(options.seed, "dockets"), statutes, as_of)
    return world, people, dockets


def build_frames(
    options: GenerateOptions,
    contract: Contract,
    world: World,
    people: Frame,
    dockets: courts.Dockets,
    progress: ProgressSink | None = None,
) -> tuple[dict[tuple[str, str], Frame], dict[str, dict]]:
    """Typed frames keyed by (system, entity), and the custody references for the truth (a step per system)."""
    progress = progress or _NoProgress()
    as_of = day(options.as_of)
    frames: dict[tuple[str, str], Frame] = {}
    refs: dict[str, dict] = {}

    def rng(name: str) -> np.random.Generator:
        return component_rng(options.seed, name)

    for entity, frame in courts.masscourts_files(dockets, people, rng("masscourts"), as_of).items():
        frames[("masscourts", entity)] = frame
    progress.advance()
    ims, ims_refs = custody.ims_files(world, dockets, people, rng("ims"), contract, as_of)
    frames.update({("ims", k): v for k, v in ims.items()})
    refs["ims"] = ims_refs
    progress.advance()
    for system in ("oms", "jms"):
        files, county_refs = custody.county_files(system, world, dockets, people, rng(system), contract, as_of)
        frames.update({(system, k): v for k, v in files.items()})
        refs[system] = county_refs
        progress.advance()
    custody_ref = _parole_custody_refs(refs)
    for entity, frame in community.parole_files(world, people, rng("parole"), custody_ref, as_of).items():
        frames[("parole", entity)] = frame
    progress.advance()
    for entity, frame in community.probation_files(world, dockets, people, rng("probation"), contract, as_of).items():
        frames[("probation", entity)] = frame
    progress.advance()
    for system, ref in refs.items():
        ref["file"] = _file_of(contract, system, ("admissions", "bookings", "commitments"))
        ref["status_file"] = _file_of(contract, system, ("statuses", "custody_statuses", "status_history"))
    return frames, refs


def _file_of(contract: Contract, system: str, entities: tuple[str, ...]) -> str:
    return next(f.file_name for f in contract.system(system).files if f.entity in entities)


def _parole_custody_refs(refs: dict[str, dict]) -> dict:
    """Stay id -> the custody reference Parole records: DOC commitment number, else the Sheriff's booking id."""
    stay_ids = [refs["ims"]["stay_id"], refs["oms"]["stay_id"], refs["jms"]["stay_id"]]
    values = [refs["ims"]["commit_no"], refs["oms"]["record_id"], refs["jms"]["record_id"]]
    return {"stay_id": np.concatenate(stay_ids), "ref": pa.concat_arrays([v.cast(pa.string()) for v in values])}


def _write_file(
    options: GenerateOptions,
    contract: Contract,
    landing_file: LandingFile,
    frame: Frame,
    other_sids: np.ndarray,
    variants: identity_noise.PersonVariants,
) -> tuple[int, pa.Table, pa.Table, pa.Table]:
    """Inject faults and identity noise, render and write one landing file.
    Returns (rows, fault log, record links, identity noise log)."""
    system = contract.system(landing_file.system)
    rng = component_rng(options.seed, f"faults/{landing_file.relative_path}")
    as_of = day(options.as_of)
    log = inject_value_faults(frame, landing_file, options.faults, rng, other_sids, as_of)
    taken, _, _ = log.arrays()
    noise = identity_noise.NoiseLog([], [], [])
    by_staged = {c.staged_as: c.name for c in landing_file.columns}
    if "sid" in by_staged:
        noise = identity_noise.apply_record_noise(
            frame,
            landing_file.system,
            by_staged,
            options.identity,
            variants,
            component_rng(options.seed, f"identity_noise/{landing_file.relative_path}"),
            taken,
            as_of,
        )
        taken = np.concatenate([taken, noise.arrays()[0]])
    rendered = render_file(landing_file, system, frame)
    malformed = FaultLog()
    n = len(frame["_person_id"])
    inject_malformed(rendered, landing_file, options.faults, rng, n, taken, malformed)
    order, copies = duplicate_rows(n, options.faults.duplicate_row, rng)
    path = options.out / "landing" / landing_file.relative_path
    written = write_csv(path, rendered, order, plain_columns(landing_file, system))
    faults = _fault_table(landing_file, [log, malformed], order, copies)
    key = rendered[landing_file.primary_key]
    links = pa.table(
        {
            "system": pa.repeat(landing_file.system, n),
            "file": pa.repeat(landing_file.file_name, n),
            "record_id": key,
            "person_id": pa.array(frame["_person_id"].astype(np.int64)),
        }
    )
    rows, columns, kinds = noise.arrays()
    noise_table = pa.table(
        {
            "system": pa.repeat(landing_file.system, rows.size),
            "file": pa.repeat(landing_file.file_name, rows.size),
            "record_id": key.take(pa.array(rows, type=pa.int64())).cast(pa.string()),
            "person_id": pa.array(frame["_person_id"][rows].astype(np.int64)),
            "column": pa.array(columns, type=pa.string()),
            "noise_kind": pa.array(kinds, type=pa.string()),
        }
    )
    return written, faults, links, noise_table


def _fault_table(landing_file: LandingFile, logs: list[FaultLog], order: np.ndarray, copies: np.ndarray) -> pa.Table:
    """Faults with their 1-based landing row; a duplicated faulty row carries its fault on both copies."""
    parts = [log.arrays() for log in logs]
    rows = np.concatenate([p[0] for p in parts])
    columns = np.concatenate([p[1] for p in parts])
    kinds = np.concatenate([p[2] for p in parts])
    first_position = np.searchsorted(order, rows)  # order is non-decreasing
    copy_source = order[copies]
    is_copied = np.isin(rows, copy_source)
    copy_position = copies[np.searchsorted(copy_source, rows[is_copied])] if is_copied.any() else copies[:0]
    landing_row = np.concatenate([first_position, copy_position, copies]) + 1
    column = np.concatenate([columns, columns[is_copied], np.full(copies.size, None, dtype=object)])
    kind = np.concatenate([kinds, kinds[is_copied], np.full(copies.size, "duplicate_row", dtype=object)])
    sort = np.lexsort((kind.astype(str), landing_row))
    n = sort.size
    return pa.table(
        {
            "system": pa.repeat(landing_file.system, n),
            "file": pa.repeat(landing_file.file_name, n),
            "landing_row": pa.array(landing_row[sort].astype(np.int64)),
            "column": pa.array(column[sort], type=pa.string()),
            "fault_kind": pa.array(kind[sort].astype(str)),
        }
    )


def generate(options: GenerateOptions, progress: ProgressSink | None = None) -> dict:
    """Write DIR/landing, DIR/truth and DIR/manifest.json; returns the manifest.

    `progress` is told the number of steps (`step_count`) and each step done.
    """
    progress = progress or _NoProgress()
    contract = load_contract()
    check_code_maps(contract)
    progress.set_total(step_count(contract))
    world, people, dockets = simulate(options)
    progress.advance()
    frames, refs = build_frames(options, contract, world, people, dockets, progress)
    other_sids = people["sid_text"]
    variants = identity_noise.person_variants(
        people, options.identity, component_rng(options.seed, "identity_noise/variants"), people["look_alike_kind"]
    )
    row_counts: dict[str, int] = {}
    fault_tables, link_tables, noise_tables = [], [], []
    for landing_file in contract.files:
        key = (landing_file.system, landing_file.entity)
        if key not in frames:
            raise RuntimeError(f"the generator builds no frame for {landing_file.relative_path}")
        written, faults, links, noise = _write_file(
            options, contract, landing_file, frames.pop(key), other_sids, variants
        )
        row_counts[landing_file.relative_path] = written
        fault_tables.append(faults)
        link_tables.append(links)
        noise_tables.append(noise)
        progress.advance()
    if frames:
        raise RuntimeError(f"frames with no contract file: {sorted(frames)}")
    truth_counts = _write_truth(
        options, world, people, dockets, refs, fault_tables, link_tables, noise_tables, progress
    )
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "contract_version": contract.version,
        "arguments": {
            "scale": options.scale,
            "seed": options.seed,
            "as_of": options.as_of,
            "fault_rates": asdict(options.faults),
            "identity_profile": options.profile,
            "identity_noise_rates": asdict(options.identity),
        },
        "row_counts": row_counts,
        "total_rows": int(sum(row_counts.values())),
        "truth_row_counts": truth_counts,
    }
    (options.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _write_truth(
    options, world, people, dockets, refs, fault_tables, link_tables, noise_tables, progress
) -> dict[str, int]:
    as_of = day(options.as_of)
    truth_dir = options.out / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    links = pa.concat_tables(link_tables)
    linked = links.column("person_id").to_numpy()
    seen = np.zeros(int(linked.max(initial=0)) + 1, dtype=bool)
    seen[linked] = True
    person_ids = np.flatnonzero(seen)  # the distinct linked person ids, ascending
    tables = {
        "persons": truth.persons_table(people, person_ids),
        "record_links": links,
        "custody_intervals": truth.custody_intervals_table(world, refs, as_of),
        "releases": truth.releases_table(world, dockets, refs, as_of),
        "faults": pa.concat_tables(fault_tables),
        "identity_noise": pa.concat_tables(noise_tables),
        "governing_offenses": truth_offenses.governing_offenses_table(world, dockets, refs, as_of),
    }
    for name in TRUTH_TABLES:
        pq.write_table(tables[name], truth_dir / f"{name}.parquet", compression="zstd")
        progress.advance()
    return {name: tables[name].num_rows for name in TRUTH_TABLES}
