"""The session's small-scale warehouse: generate a delivery, gate it, dbt build it (models, data and unit tests)."""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from crosstrack.pipeline import build_warehouse, venv_bin
from crosstrack.secret import SECRET_FILE_ENV

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
