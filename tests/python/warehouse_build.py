"""The session's small-scale warehouse: generate a delivery, gate it, dbt build it (models, data and unit tests)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from crosstrack.pipeline import build_warehouse, dbt_command, dbt_environment, venv_bin
from crosstrack.secret import SECRET_FILE_ENV
from crosstrack.settings import ENV_PREFIX

TEST_SCALE = "0.01"
TEST_SEED = "7"
TEST_AS_OF = "2026-07-01"


@dataclass(frozen=True)
class BuiltWarehouse:
    landing: Path
    truth: Path
    quality: Path
    database: Path
    target: Path
    as_of: str
    published: Path  # the publish step's folder: crosstrack_public.duckdb and parquet/

    @property
    def public_database(self) -> Path:
        return self.published / "crosstrack_public.duckdb"


@dataclass(frozen=True)
class DeploymentSecret:
    path: Path  # outside every build folder, so a scan of the build's files never meets the file itself
    hex: str  # the file's content, known to the tests

    @property
    def key(self) -> bytes:
        return bytes.fromhex(self.hex)


@pytest.fixture(scope="session")
def deployment_secret(tmp_path_factory: pytest.TempPathFactory) -> DeploymentSecret:
    """The session's deployment secret: a fresh 64-hex-character value in a 0600 file of its own. Builds and
    publications get it through CROSSTRACK_SECRET_FILE (with_secret); a fresh clone needs no .secrets folder."""
    value = secrets.token_hex(32)
    path = tmp_path_factory.mktemp("secret") / "crosstrack.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return DeploymentSecret(path=path, hex=value)


@pytest.fixture
def with_secret(deployment_secret: DeploymentSecret, monkeypatch: pytest.MonkeyPatch) -> DeploymentSecret:
    """CROSSTRACK_SECRET_FILE set to the session's secret for one test (a build or a publication)."""
    monkeypatch.setenv(SECRET_FILE_ENV, str(deployment_secret.path))
    return deployment_secret


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory, deployment_secret: DeploymentSecret) -> BuiltWarehouse:
    root = tmp_path_factory.mktemp("warehouse")
    data = root / "data"
    subprocess.run(
        [
            *(venv_bin("crosstrack"), "generate", "--scale", TEST_SCALE, "--seed", TEST_SEED),
            *("--as-of", TEST_AS_OF, "--out", str(data)),
        ],
        check=True,
        capture_output=True,
    )
    quality = root / "quality"
    database = root / "crosstrack.duckdb"
    with pytest.MonkeyPatch.context() as patch:  # the secret reaches the build's environment, and only the build
        patch.setenv(SECRET_FILE_ENV, str(deployment_secret.path))
        build_warehouse(
            landing_dir=data / "landing",
            warehouse=database,
            as_of=TEST_AS_OF,
            quality_dir=quality,
            docs=True,
            quiet=True,
            target_path=root / "target",
            publish_dir=root / "public",
        )
    return BuiltWarehouse(
        landing=data / "landing",
        truth=data / "truth",
        quality=quality,
        database=database,
        target=root / "target",
        as_of=TEST_AS_OF,
        published=root / "public",
    )


# ---- dbt on a copy of the session's warehouse ------------------------------------------------------------------

# The copy's file name, the same in every run: dbt keeps a saved parse only while the profile (the database path
# included) is unchanged, so each run opens COPY_NAME in its own folder (dbt's working folder).
COPY_NAME = "rebuilt.duckdb"
PARTIAL_PARSE = "partial_parse.msgpack"


@dataclass
class WarehouseCopies:
    """dbt runs (a few models rebuilt, a test) on copies of the session's warehouse. The first run parses the
    project; every later run starts from its saved parse and re-parses only the files whose environment variables
    differ (a key registry, a link table), as dbt's partial parsing does between two runs of one project."""

    built: BuiltWarehouse
    saved_parse: Path

    def run(
        self,
        folder: Path,
        verb: list[str],
        *extra: str,
        env: Mapping[str, str] | None = None,
        prepare: Callable[[Path], None] | None = None,
    ) -> tuple[Path, subprocess.CompletedProcess[str]]:
        """dbt `verb` (with `extra`) on a fresh copy in `folder`, after `prepare(copy)`; returns the copy and dbt's
        completed process."""
        folder.mkdir(parents=True, exist_ok=True)
        copy = folder / COPY_NAME
        shutil.copyfile(self.built.database, copy)
        if prepare is not None:
            prepare(copy)
        target = folder / "target"
        target.mkdir(exist_ok=True)
        if self.saved_parse.is_file():
            shutil.copyfile(self.saved_parse, target / PARTIAL_PARSE)
        variables = {**dbt_environment(self.built.landing, copy, None, target), **(env or {})}
        variables[ENV_PREFIX + "DB"] = COPY_NAME  # relative to the working folder: the same profile in every run
        completed = subprocess.run(
            dbt_command(verb, self.built.as_of, *extra),
            cwd=folder,
            env=variables,
            capture_output=True,
            text=True,
            check=False,
        )
        if not self.saved_parse.is_file() and (target / PARTIAL_PARSE).is_file():
            shutil.copyfile(target / PARTIAL_PARSE, self.saved_parse)
        return copy, completed


@pytest.fixture(scope="session")
def warehouse_copies(built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory) -> WarehouseCopies:
    return WarehouseCopies(built_warehouse, tmp_path_factory.mktemp("saved_parse") / PARTIAL_PARSE)
