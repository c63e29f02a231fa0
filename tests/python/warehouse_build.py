"""The session's small-scale warehouse: generate a delivery, gate it, dbt build it (models, data and unit tests)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from crosstrack.pipeline import build_warehouse, venv_bin

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


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
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
