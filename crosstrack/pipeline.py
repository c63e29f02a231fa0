"""Build the warehouse from a delivery: the data-quality gate, `dbt build` into a new file, docs, then publish.

The DuckDB file has one writer or many readers, never both: the build writes `<warehouse>.build` and moves it
over `<warehouse>` only when every model and test passed, so readers never see a half-built warehouse.

Every stage runs in this process: the gate and the reconciliation through their Python entry points, dbt through
its programmatic runner (dbtRunner) with the variables it reads (crosstrack/settings.py) set for the duration of
the run. A failed stage is a BuildError whose message starts with the stage's name.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from crosstrack.progress import Progress
from crosstrack.publish import publish
from crosstrack.secret import SecretError, load_secret
from crosstrack.settings import ENV_PREFIX, PROJECT_DIR, Settings

# The person-key registry (docs/identity.md, "Person keys"): restricted, beside the warehouse, kept across builds.
KEY_REGISTRY_ENV = ENV_PREFIX + "KEY_REGISTRY"
KEY_EVENTS_NAME = "person_key_events.parquet"
KEY_REGISTRY_SCHEMA = pa.schema(
    [
        ("source_system", pa.string()),
        ("source_record_id", pa.string()),
        ("person_key", pa.string()),
        ("assigned_at", pa.timestamp("us")),
    ]
)
# How the build links person records (docs/identity.md): the deterministic rules in dbt, or the splink link stage.
LINKERS = ("deterministic", "splink")
DEFAULT_LINKER = "deterministic"
# Reviewers' decisions on uncertain pairs (docs/identity.md, "Clerical review"): a versioned seed the link stage reads.
REVIEW_DECISIONS = PROJECT_DIR / "seeds" / "clerical_review_decisions.csv"
# The gate's options the build sets itself: the delivery, its output folder and the extract date.
GATE_OPTIONS_SET_BY_BUILD = frozenset({"help", "landing", "out", "reconcile", "sid_capture"})
# The run results of the build's `dbt build`, kept in the target folder beside those of `dbt docs generate`.
BUILD_RUN_RESULTS = "build_run_results.json"
# dbt's saved parse, which it writes into its target folder and starts the next parse from (partial parsing).
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# The dbt vars that only a node's SQL reads when the node runs, never the parse (no config, ref, source, property or
# test argument reads them): the build leaves them out of dbt's check of a saved parse, so that a build with another
# as_of starts from the deployment's saved parse instead of parsing the whole project again (docs/operations.md,
# "dbt's own cost"). tests/python/test_pipeline_parse.py checks that a parse does not depend on them.
RUNTIME_ONLY_VARS = frozenset({"as_of"})


class BuildError(RuntimeError):
    """A stage of the build failed; the message names the stage and what failed in it."""


@dataclass
class StageTiming:
    name: str
    seconds: float
    peak_rss_mib: float  # the peak resident memory of the process so far (a stage runs in the build's process)


@dataclass
class BuildResult:
    warehouse: Path
    stages: list[StageTiming] = field(default_factory=list)
    linkage: Any = None  # the link stage's LinkSummary (splink linker only)
    key_events: dict[str, tuple[int, int]] = field(default_factory=dict)  # event type -> (events, records moved)


def venv_bin(name: str) -> str:
    """A console script installed beside the running interpreter (the project's .venv)."""
    return str(Path(sys.executable).parent / name)


# ---- the environment dbt reads ------------------------------------------------------------------------------


def dbt_variables(settings: Settings, target_path: Path | None = None) -> dict[str, str]:
    """The environment variables a dbt invocation needs: the settings dbt reads, its target folder, no tracking."""
    variables = settings.dbt_environment()
    if target_path is not None:
        variables["DBT_TARGET_PATH"] = str(target_path.resolve())
        variables["DBT_LOG_PATH"] = str((target_path / "logs").resolve())
    variables["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    variables["DO_NOT_TRACK"] = "1"
    return variables


def dbt_environment(
    landing_dir: Path, database: Path, quarantine_file: Path | None, target_path: Path | None = None
) -> dict[str, str]:
    """The whole environment of a dbt run in a child process (dbt_command) over this delivery and database."""
    settings = Settings.load(
        landing_dir=landing_dir,
        db=database,
        quarantine_file=quarantine_file,
        landing_parquet_dir=typed_landing_dir(quarantine_file),
    )
    return {**os.environ, **dbt_variables(settings, target_path)}


def typed_landing_dir(quarantine_file: Path | None) -> Path | None:
    """The gate's typed records (what dbt's sources read), beside its quarantine; none without the gate."""
    from crosstrack.quality.gate import STAGED_DIR

    return quarantine_file.parent / STAGED_DIR if quarantine_file is not None else None


@contextlib.contextmanager
def environment_set(variables: Mapping[str, str]) -> Iterator[None]:
    """`variables` set in this process's environment for the duration (dbt runs in-process), then restored."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_arguments(verb: list[str], as_of: str, *extra: str) -> list[str]:
    return [
        *verb,
        "--profiles-dir",
        str(PROJECT_DIR),
        "--project-dir",
        str(PROJECT_DIR),
        "--vars",
        f'{{as_of: "{as_of}"}}',
        *extra,
    ]


def dbt_command(verb: list[str], as_of: str, *extra: str) -> list[str]:
    """The same invocation for dbt in a child process (with dbt_environment)."""
    return [venv_bin("dbt"), *dbt_arguments(verb, as_of, *extra)]


def dbt_target_folder(target_path: Path | None) -> Path:
    """dbt's target folder: the one given, else $DBT_TARGET_PATH, else the project's target/."""
    return target_path or Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target")


@contextlib.contextmanager
def parse_check_without_runtime_vars() -> Iterator[None]:
    """dbt's check of a saved parse (ManifestLoader.build_manifest_state_check: the --vars, profile, target and dbt
    version, and dbt_project.yml) computed without RUNTIME_ONLY_VARS, for the duration. Both the check of the saved
    parse and the state saved with the new one are computed so; everything else dbt checks as it does (changed
    files, and the files whose env_var() values changed are parsed again). A `dbt ... --vars` run by hand checks
    with every var, so it never starts from a parse the build saved, nor the build from one of its own."""
    from dbt.parser.manifest import ManifestLoader

    check = ManifestLoader.build_manifest_state_check

    def check_without_runtime_vars(loader: Any) -> Any:
        config = loader.root_project
        cli_vars = config.cli_vars
        config.cli_vars = {name: value for name, value in cli_vars.items() if name not in RUNTIME_ONLY_VARS}
        try:
            return check(loader)
        finally:
            config.cli_vars = cli_vars

    ManifestLoader.build_manifest_state_check = check_without_runtime_vars  # type: ignore[method-assign]
    try:
        yield
    finally:
        ManifestLoader.build_manifest_state_check = check  # type: ignore[method-assign]


@dataclass(frozen=True)
class SavedParse:
    """A deployment's saved dbt parse, in a folder beside its warehouse: dbt's partial_parse.msgpack and the
    environment dbt read when it parsed (the CROSSTRACK_* values, Settings.dbt_environment).

    A build starts from it only when its own environment is the same (the delivery's gate output at the same paths):
    then dbt parses only the files that changed since. With other paths dbt would re-parse just the files whose
    env_var() values changed, but what it gives then is not always what a full parse gives (dbt 1.11 re-parses a
    singular test without the description and meta of its properties file), so such a build parses in full."""

    folder: Path

    @property
    def state(self) -> Path:
        return self.folder / PARTIAL_PARSE_FILE

    @property
    def environment_file(self) -> Path:
        return self.folder / "environment.json"

    def start_from(self, environment: Mapping[str, str]) -> Path | None:
        """dbt's saved state, if it was parsed in exactly `environment`; else None."""
        try:
            saved = json.loads(self.environment_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return self.state if saved == dict(environment) and self.state.is_file() else None

    def save(self, target_path: Path | None, environment: Mapping[str, str]) -> None:
        """The parse dbt just wrote into its target folder, with the environment it parsed in (each written beside
        and moved into place; the environment last, so that a half-saved parse is never used)."""
        written = dbt_target_folder(target_path) / PARTIAL_PARSE_FILE
        if not written.is_file():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.environment_file.unlink(missing_ok=True)
        state_next = self.state.with_name(self.state.name + ".next")
        shutil.copyfile(written, state_next)
        os.replace(state_next, self.state)
        environment_next = self.environment_file.with_name(self.environment_file.name + ".next")
        environment_next.write_text(json.dumps(dict(environment), sort_keys=True, indent=1), encoding="utf-8")
        os.replace(environment_next, self.environment_file)


# ---- stages -------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def stage(name: str, result: BuildResult, quiet: bool) -> Iterator[None]:
    """One stage in this process: its wall time is recorded, its output held back when `quiet`, and any failure
    raised as a BuildError naming the stage (with the held-back output's tail)."""
    captured = io.StringIO()
    started = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            if quiet:
                stack.enter_context(contextlib.redirect_stdout(captured))
                stack.enter_context(contextlib.redirect_stderr(captured))
            yield
    except BuildError:
        raise
    except Exception as exc:
        tail = "\n".join(captured.getvalue().splitlines()[-60:])
        raise BuildError(f"stage '{name}' failed: {exc}" + (f"\n{tail}" if tail else "")) from exc
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    result.stages.append(StageTiming(name=name, seconds=time.perf_counter() - started, peak_rss_mib=peak))


class StageFailed(Exception):
    """A stage's own verdict (an exit code, failed dbt nodes): `stage` turns it into the BuildError."""


def run_dbt(
    verb: list[str],
    as_of: str,
    settings: Settings,
    target_path: Path | None = None,
    extra: tuple[str, ...] = (),
    show_progress: bool = False,
    saved_parse: SavedParse | None = None,
) -> None:
    """dbt in this process (dbtRunner) with the settings' environment; nodes done of total as progress.

    With `saved_parse` (the deployment's), dbt starts from it when it was parsed in the same environment, and the
    parse of a successful run is saved there for the next; either way dbt's check leaves out RUNTIME_ONLY_VARS."""
    from dbt.cli.main import dbtRunner

    progress = Progress("dbt " + " ".join(verb), unit="nodes", enabled=show_progress)

    def on_event(event: Any) -> None:
        if event.info.name == "LogStartLine":
            progress.set_total(event.data.total)
        elif event.info.name == "NodeFinished":
            progress.advance()

    quiet = ("--quiet",) if show_progress else ()
    variables = dbt_variables(settings, target_path)
    parsed_in = settings.dbt_environment()
    start = saved_parse.start_from(parsed_in) if saved_parse is not None else None
    if start is not None:
        variables["DBT_PARTIAL_PARSE_FILE_PATH"] = str(start.resolve())
    elif saved_parse is not None:
        variables["DBT_PARTIAL_PARSE"] = "false"  # in full, whatever saved parse the target folder may hold
    # The environment dbt reads, set for this run only; the working folder kept whatever dbt does with it.
    with (
        environment_set(variables),
        contextlib.chdir(os.getcwd()),
        parse_check_without_runtime_vars(),
        progress,
    ):
        try:
            outcome = dbtRunner(callbacks=[on_event]).invoke(dbt_arguments([*verb, *quiet], as_of, *extra))
        finally:
            _close_dbt_database()
    if not outcome.success:
        raise StageFailed(_dbt_failures(outcome))
    if saved_parse is not None:
        saved_parse.save(target_path, parsed_in)


def _close_dbt_database() -> None:
    """dbt-duckdb keeps its database open in the process after a run (a class attribute of its connection
    manager): close it, so that the build can read the file and move it into place."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager

    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None


def _dbt_failures(outcome: Any) -> str:
    if outcome.exception is not None:
        return str(outcome.exception)
    failed = [r for r in getattr(outcome.result, "results", ()) if str(r.status) in {"error", "fail", "runtime error"}]
    lines = [f"  {r.node.name}: {r.status}: {(r.message or '').strip()}" for r in failed[:20]]
    return "\n".join([f"{len(failed)} node(s) failed", *lines])


def gate_parser() -> argparse.ArgumentParser:
    """The gate's own option definitions (`crosstrack validate`), for the build to offer and to fill in."""
    from crosstrack.quality import command as gate_command

    parser = argparse.ArgumentParser(prog="crosstrack validate", add_help=False)
    gate_command.configure(parser)
    return parser


def gate_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The gate's options a build passes on (every one but those the build sets itself)."""
    return [action for action in parser._actions if action.dest not in GATE_OPTIONS_SET_BY_BUILD]


def run_in_process(command: Callable[..., int], *args: Any) -> None:
    """A command's Python entry point; a non-zero exit code or a command-line error fails the stage."""
    from crosstrack.cli import CliError

    try:
        code = command(*args)
    except CliError as exc:
        raise StageFailed(str(exc)) from exc
    if code:
        raise StageFailed(f"exit {code}")


def key_registry_path(warehouse: Path) -> Path:
    """The person-key registry: $CROSSTRACK_KEY_REGISTRY, else `<warehouse dir>/person_key_registry.parquet`."""
    return Settings().registry_for(warehouse)


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


def _restricted_tables_built(con: duckdb.DuckDBPyConnection, *tables: str) -> bool:
    """Whether the build built every one of `tables` in the restricted schema (a partial build may not have)."""
    placeholders = ", ".join("?" for _ in tables)
    built = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'restricted' "
        f"and table_name in ({placeholders})",
        list(tables),
    ).fetchall()[0][0]
    return built == len(tables)


def save_key_registry(database: Path, registry: Path) -> bool:
    """After a build passed: its restricted.person_key_registry becomes the registry file, and its key events are
    appended to person_key_events.parquet beside it; each written beside and moved into place. False (nothing
    written) when the build did not build the registry (a partial build)."""
    events_file = registry.with_name(KEY_EVENTS_NAME)
    con = duckdb.connect(str(database), read_only=True)
    try:
        if not _restricted_tables_built(con, "person_key_registry", "person_key_events"):
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


def key_event_counts(database: Path) -> dict[str, tuple[int, int]]:
    """This build's person-key merges and splits (restricted.person_key_events): event type -> (events, records
    moved), for the build summary; empty for a partial build."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        if not _restricted_tables_built(con, "person_key_events"):
            return {}
        rows = con.execute(
            "select event_type, count(*), sum(record_count) from restricted.person_key_events group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    return {event: (int(n), int(moved)) for event, n, moved in rows}


def _sql_path(path: Path) -> str:
    return str(path.resolve()).replace("'", "''")


@dataclass
class Build:
    """One build's stages, each a method, in the order build_warehouse runs them (scripts/bench_build.py runs
    each in a process of its own to measure it)."""

    landing_dir: Path
    warehouse: Path
    as_of: str
    quality_dir: Path | None = None
    target_path: Path | None = None
    publish_dir: Path | None = None
    extract_date: str | None = None
    gate: Mapping[str, Any] = field(default_factory=dict)
    dbt_args: tuple[str, ...] = ()
    settings: Settings = field(default_factory=Settings)
    show_progress: bool = False
    linker: str = DEFAULT_LINKER

    @property
    def staging_file(self) -> Path:
        """The file dbt builds, moved over the warehouse once every model and test passed."""
        return self.warehouse.with_name(self.warehouse.name + ".build")

    @property
    def registry(self) -> Path:
        return self.settings.registry_for(self.warehouse)

    @property
    def saved_parse(self) -> SavedParse:
        """The deployment's saved dbt parse, beside the warehouse: the next build parses only what changed since."""
        return SavedParse(self.warehouse.with_name(self.warehouse.name + ".parse"))

    @property
    def gate_dir(self) -> Path:
        """The gate's outputs: the quality folder, else beside the warehouse (dbt's sources read its typed records,
        so the gate always runs)."""
        return (
            self.quality_dir
            if self.quality_dir is not None
            else self.warehouse.with_name(self.warehouse.name + ".quality")
        )

    @property
    def quarantine(self) -> Path:
        """The gate's row quarantine, which staging excludes."""
        return self.gate_dir / "quarantine.parquet"

    @property
    def link_dir(self) -> Path:
        """The link stage's outputs, restricted, beside the gate's: links.parquet and review/ (clerical review)."""
        return self.gate_dir / "linkage"

    @property
    def link_table(self) -> Path | None:
        return self.link_dir / "links.parquet" if self.linker == "splink" else None

    def check(self) -> None:
        """Refuse early: no delivery, or no fit deployment secret (the dbt build's fingerprints are keyed with it)."""
        if not self.landing_dir.is_dir():
            raise BuildError(
                f"no delivery at {self.landing_dir}: expected <dir>/<system>/<file> (docs/landing_contract.md)"
            )
        try:
            load_secret(self.settings.secret_file)
        except SecretError as exc:
            raise BuildError(f"build refused: {exc}") from exc

    def validate(self) -> None:
        """The data-quality gate (`crosstrack validate`'s entry point), its defaults but for the build's options."""
        from crosstrack.quality import command as gate_command

        # The extract date bounds "impossible" future dates: the one given, else the cohort as-of (never today).
        extract_date = self.extract_date or self.as_of
        arguments = ["--landing", str(self.landing_dir), "--out", str(self.gate_dir), "--extract-date", extract_date]
        args = gate_parser().parse_args(arguments)
        for name, value in self.gate.items():
            setattr(args, name, value)
        run_in_process(gate_command.run, args)

    def link(self) -> Any:
        """The splink link stage: the gate's typed person records scored with the packaged model, the reviewers'
        decisions applied, clustered into persons; the link table the identity models read, and the uncertain pairs
        for clerical review (docs/identity.md, "Probabilistic linkage")."""
        from crosstrack.linkage.link import link_delivery

        typed = typed_landing_dir(self.quarantine)
        assert typed is not None and self.link_table is not None
        return link_delivery(
            typed, self.link_table, decisions_file=REVIEW_DECISIONS, review_dir=self.link_dir / "review"
        )

    def _dbt(self, verb: list[str], extra: tuple[str, ...] = ()) -> None:
        settings = self.settings.model_copy(
            update={
                "landing_dir": self.landing_dir,
                "db": self.staging_file,
                "quarantine_file": self.quarantine,
                "landing_parquet_dir": typed_landing_dir(self.quarantine),
                "key_registry": self.registry,
                "link_table": self.link_table,
            }
        )
        run_dbt(verb, self.as_of, settings, self.target_path, extra, self.show_progress, self.saved_parse)

    def dbt_build(self) -> None:
        """`dbt build` into a new file beside the warehouse."""
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        self.staging_file.unlink(missing_ok=True)
        ensure_key_registry(self.registry)
        self._dbt(["build"], self.dbt_args)
        self.record_manifest()

    def record_manifest(self) -> None:
        """The gate's delivery manifest into the new warehouse (crosstrack/quality/outputs.py), so that publication
        records the delivery's checksums without the delivery at hand."""
        from crosstrack.quality.outputs import MANIFEST_FILE, record_manifest

        if (self.gate_dir / MANIFEST_FILE).is_file():
            record_manifest(self.staging_file, self.gate_dir)
        else:
            print(
                f"build: no {self.gate_dir / MANIFEST_FILE}: the warehouse carries no delivery manifest",
                file=sys.stderr,
            )

    @property
    def docs_dir(self) -> Path:
        """dbt's target folder: the docs, manifest and run results."""
        return dbt_target_folder(self.target_path)

    def docs(self) -> None:
        """The dbt docs site (also as one self-contained static_index.html, which opens from disk), with the
        data-quality report beside it. `dbt docs generate` writes its own run results: the build's are kept first
        as BUILD_RUN_RESULTS, which the docs site summarizes.

        The docs are those of the build's own manifest (`--no-compile`): it already holds the SQL the build ran, so
        compiling every node again (about 10 s at any scale) would only re-render it, with a later `built_at`."""
        results = self.docs_dir / "run_results.json"
        if results.exists():
            shutil.copyfile(results, self.docs_dir / BUILD_RUN_RESULTS)
        self._dbt(["docs", "generate", "--static", "--no-compile"])
        report = self.quality_dir / "report_public.html" if self.quality_dir else None
        if report is not None and report.exists():
            shutil.copyfile(report, self.docs_dir / "data_quality_report.html")

    def install(self) -> None:
        """The registry first (every key a reader can see is registered), then the warehouse, moved into place."""
        save_key_registry(self.staging_file, self.registry)
        os.replace(self.staging_file, self.warehouse)  # atomic on one file system

    def reconcile(self) -> None:
        """R-EX-2: received = quarantined + rejected + staged for every file."""
        from crosstrack.quality.reconcile import run_reconciliation

        assert self.quality_dir is not None
        run_in_process(run_reconciliation, self.warehouse, self.quality_dir)

    def publish(self) -> None:
        assert self.publish_dir is not None
        publish(self.warehouse, self.publish_dir, show_progress=self.show_progress, landing_dir=self.landing_dir)


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
    gate: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    linker: str = DEFAULT_LINKER,
) -> BuildResult:
    """Gate the delivery, build into `<warehouse>.build`, generate docs, move into place, reconcile, publish.

    Every stage runs in this process: the gate and the reconciliation as Python functions, dbt through its
    programmatic runner. `gate` holds the gate's options (crosstrack validate) other than its defaults.
    The gate always runs (dbt's sources read its typed records), writing into `quality_dir` or beside the
    warehouse; `extract_date` is the delivery's extract date (default `as_of`, never today).
    `reconcile=False` is for partial builds (a `--select` in dbt_args), where most staging models are absent.
    `quiet` holds back each stage's output (shown in the error of a failed stage) and shows no progress.
    `linker` "splink" runs the link stage between the gate and dbt; "deterministic" links in dbt.
    """
    if linker not in LINKERS:
        raise BuildError(f"unknown linker {linker!r}: one of {', '.join(LINKERS)}")
    build = Build(
        landing_dir=landing_dir,
        warehouse=warehouse,
        as_of=as_of,
        quality_dir=quality_dir,
        target_path=target_path,
        publish_dir=publish_dir,
        extract_date=extract_date,
        gate=gate or {},
        dbt_args=dbt_args,
        settings=settings or Settings(),
        show_progress=not quiet,
        linker=linker,
    )
    build.check()
    result = BuildResult(warehouse=warehouse)
    with stage("validate", result, quiet):
        build.validate()
    if linker == "splink":
        with stage("link", result, quiet):
            result.linkage = build.link()
    with stage("dbt build", result, quiet):
        build.dbt_build()
    if docs:
        with stage("dbt docs generate", result, quiet):
            build.docs()
    result.key_events = key_event_counts(build.staging_file)
    build.install()
    if quality_dir is not None and reconcile:
        with stage("reconcile", result, quiet):
            build.reconcile()
    if publish_dir is not None:
        with stage("publish", result, quiet):
            build.publish()
    return result
