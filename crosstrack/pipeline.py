"""Build the warehouse from a delivery: the data-quality gate, `dbt build` into a new file, docs, then publish.

The DuckDB file has one writer or many readers, never both: the build writes `<warehouse>.build` and moves it
over `<warehouse>` only when every model and test passed, so readers never see a half-built warehouse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from crosstrack.publish import publish
from crosstrack.secret import SecretError, load_secret

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The person-key registry (docs/identity.md, "Person keys"): restricted, beside the warehouse, kept across builds.
KEY_REGISTRY_ENV = "CROSSTRACK_KEY_REGISTRY"
KEY_REGISTRY_NAME = "person_key_registry.parquet"
KEY_EVENTS_NAME = "person_key_events.parquet"
KEY_REGISTRY_SCHEMA = pa.schema(
    [
        ("source_system", pa.string()),
        ("source_record_id", pa.string()),
        ("person_key", pa.string()),
        ("assigned_at", pa.timestamp("us")),
    ]
)


class BuildError(RuntimeError):
    """A stage of the build failed; the message names the stage and how to see its output."""


@dataclass
class StageTiming:
    name: str
    seconds: float
    peak_rss_mib: float


@dataclass
class BuildResult:
    warehouse: Path
    stages: list[StageTiming] = field(default_factory=list)


def venv_bin(name: str) -> str:
    """A console script installed beside the running interpreter (the project's .venv)."""
    return str(Path(sys.executable).parent / name)


def dbt_environment(
    landing_dir: Path, database: Path, quarantine_file: Path | None, target_path: Path | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    if target_path is not None:
        env["DBT_TARGET_PATH"] = str(target_path.resolve())
        env["DBT_LOG_PATH"] = str((target_path / "logs").resolve())
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    env["CROSSTRACK_DB"] = str(database.resolve())
    env["CROSSTRACK_QUARANTINE_FILE"] = str(quarantine_file.resolve()) if quarantine_file else ""
    if quarantine_file is not None:  # the gate's typed records, beside its quarantine: what dbt's sources read
        env["CROSSTRACK_LANDING_PARQUET_DIR"] = str((quarantine_file.parent / "landing").resolve())
    return env


def run_stage(name: str, command: list[str], env: dict[str, str] | None, quiet: bool) -> StageTiming:
    """Run one stage as a child process; its own wall time and peak memory (ru_maxrss of that child)."""
    started = time.perf_counter()
    output = subprocess.PIPE if quiet else None
    with subprocess.Popen(
        command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT if quiet else None, text=True
    ) as process:
        captured = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        tail = "\n".join(captured.splitlines()[-60:])
        raise BuildError(f"stage '{name}' failed (exit {process.returncode}): {' '.join(command)}\n{tail}")
    # ru_maxrss is in KiB on Linux.
    return StageTiming(name=name, seconds=elapsed, peak_rss_mib=usage.ru_maxrss / 1024)


def dbt_command(verb: list[str], as_of: str, *extra: str) -> list[str]:
    return [
        venv_bin("dbt"),
        *verb,
        "--profiles-dir",
        str(PROJECT_DIR),
        "--project-dir",
        str(PROJECT_DIR),
        "--vars",
        f'{{as_of: "{as_of}"}}',
        *extra,
    ]


def key_registry_path(warehouse: Path) -> Path:
    """The person-key registry: $CROSSTRACK_KEY_REGISTRY, else `<warehouse dir>/person_key_registry.parquet`."""
    configured = os.environ.get(KEY_REGISTRY_ENV)
    return Path(configured) if configured else warehouse.parent / KEY_REGISTRY_NAME


def _replace_restricted(written: Path, path: Path) -> None:
    os.chmod(written, 0o600)
    os.replace(written, path)  # atomic on one file system


def ensure_key_registry(registry: Path) -> None:
    """Before the first build: an empty registry with the registry's columns, so dbt always reads a file."""
    if registry.exists():
        return
    registry.parent.mkdir(parents=True, exist_ok=True)
    next_path = registry.with_name(registry.name + ".next")
    pq.write_table(KEY_REGISTRY_SCHEMA.empty_table(), next_path)
    _replace_restricted(next_path, registry)


def save_key_registry(database: Path, registry: Path) -> bool:
    """After a build passed: its restricted.person_key_registry becomes the registry file, and its key events are
    appended to person_key_events.parquet beside it; each written beside and moved into place. False (nothing
    written) when the build did not build the registry (a partial build)."""
    events_file = registry.with_name(KEY_EVENTS_NAME)
    con = duckdb.connect(str(database), read_only=True)
    try:
        built = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'restricted' "
            "and table_name in ('person_key_registry', 'person_key_events')"
        ).fetchall()[0][0]
        if built != 2:
            return False
        registry_next = registry.with_name(registry.name + ".next")
        con.execute(
            "copy (select source_system, source_record_id, person_key, assigned_at from restricted.person_key_registry "
            f"order by source_system, source_record_id) to '{_sql_path(registry_next)}' (format parquet)"
        )
        events = "select event_type, old_key, new_key, record_count, built_at, as_of from restricted.person_key_events"
        if events_file.exists():
            events = f"select * from read_parquet('{_sql_path(events_file)}') union all by name {events}"
        events_next = events_file.with_name(events_file.name + ".next")
        con.execute(f"copy ({events}) to '{_sql_path(events_next)}' (format parquet)")
    finally:
        con.close()
    _replace_restricted(events_next, events_file)
    _replace_restricted(registry_next, registry)
    return True


def _sql_path(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")


def build_warehouse(
    landing_dir: Path,
    warehouse: Path,
    as_of: str,
    quality_dir: Path | None = None,
    docs: bool = True,
    quiet: bool = False,
    dbt_args: tuple[str, ...] = (),
    target_path: Path | None = None,
    publish_dir: Path | None = None,
    reconcile: bool = True,
    extract_date: str | None = None,
) -> BuildResult:
    """Gate the delivery, build into `<warehouse>.build`, generate docs, move into place, reconcile, publish.

    `reconcile=False` is for partial builds (a `--select` in dbt_args), where most staging models are absent.
    `extract_date` is the delivery's extract date (the gate's reference for plausible dates); default `as_of`.
    """
    if not landing_dir.is_dir():
        raise BuildError(f"no delivery at {landing_dir}: expected <dir>/<system>/<file> (docs/landing_contract.md)")
    try:
        load_secret()  # fail fast: the dbt build's fingerprints are keyed with it (crosstrack/dbt_plugin.py)
    except SecretError as exc:
        raise BuildError(f"build refused: {exc}") from exc
    result = BuildResult(warehouse=warehouse)
    # dbt's sources read the gate's typed records: the gate always runs (its outputs beside the warehouse unless
    # a quality_dir is given; the reconciliation runs only then).
    gate_dir = quality_dir if quality_dir is not None else warehouse.with_name(warehouse.name + ".quality")
    # The extract date bounds "impossible" future dates: the given one, else the cohort as-of (never today).
    command = [venv_bin("crosstrack"), "validate", "--landing", str(landing_dir), "--out", str(gate_dir)]
    command += ["--extract-date", extract_date or as_of]
    result.stages.append(run_stage("validate", command, dict(os.environ), quiet))
    quarantine = gate_dir / "quarantine.parquet"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_file = warehouse.with_name(warehouse.name + ".build")
    staging_file.unlink(missing_ok=True)
    env = dbt_environment(landing_dir, staging_file, quarantine, target_path)
    registry = key_registry_path(warehouse)
    ensure_key_registry(registry)
    env[KEY_REGISTRY_ENV] = str(registry.resolve())
    result.stages.append(run_stage("dbt build", dbt_command(["build"], as_of, *dbt_args), env, quiet))
    if docs:
        result.stages.append(run_stage("dbt docs generate", dbt_command(["docs", "generate"], as_of), env, quiet))
        report = quality_dir / "report_public.html" if quality_dir else None
        if report is not None and report.exists():
            # The data-quality report is published next to the dbt docs site.
            docs_dir = Path(env.get("DBT_TARGET_PATH") or PROJECT_DIR / "target")
            shutil.copyfile(report, docs_dir / "data_quality_report.html")
    # The registry is written before the warehouse moves into place: every key a reader can see is registered.
    save_key_registry(staging_file, registry)
    os.replace(staging_file, warehouse)  # atomic on one file system
    if quality_dir is not None and reconcile:
        # SPEC R-EX-2: received = quarantined + rejected + staged for every file, or the build fails loudly.
        command = [venv_bin("crosstrack"), "validate", "--reconcile", str(warehouse), "--out", str(quality_dir)]
        result.stages.append(run_stage("reconcile", command, dict(os.environ), quiet))
    if publish_dir is not None:
        started = time.perf_counter()
        publish(warehouse, publish_dir)
        result.stages.append(StageTiming("publish", time.perf_counter() - started, peak_rss_mib=float("nan")))
    return result
