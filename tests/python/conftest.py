"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv
import pytest
from api_fixtures import api_client, api_public_db, api_restricted_db, api_settings, public_role_key, restricted_key  # noqa: F401
from release_pair import earlier_release  # noqa: F401  (a second release of it, at an earlier as_of)
from warehouse_build import (  # noqa: F401  (the session's warehouse, and dbt runs on copies of it)
    built_warehouse,
    deployment_secret,
    warehouse_copies,
    with_secret,
)

from crosstrack.contract import Contract, LandingFile, load_contract

# ---- generator -----------------------------------------------------------------------------------------------
GENERATED_AS_OF = "2025-06-30"
GENERATED_SCALE = 0.02
GENERATED_SEED = 7


@pytest.fixture(scope="session")
def contract() -> Contract:
    return load_contract()


def run_generator(out: Path, scale: float, seed: int, as_of: str = GENERATED_AS_OF, *extra: str) -> Path:
    """Run `crosstrack generate` in-process; fails the test on a non-zero exit."""
    from crosstrack.cli import main

    code = main(["generate", "--scale", str(scale), "--seed", str(seed), "--as-of", as_of, "--out", str(out), *extra])
    assert code == 0, f"crosstrack generate exited {code}"
    return out


@pytest.fixture(scope="session")
def generated_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic delivery at a small scale (landing/, truth/, manifest.json), generated once per session."""
    return run_generator(tmp_path_factory.mktemp("generated"), GENERATED_SCALE, GENERATED_SEED)


def read_landing(delivery: Path, landing_file: LandingFile) -> pa.Table:
    """A landing file with every column read as text (empty field -> null)."""
    names = landing_file.column_names
    options = pv.ConvertOptions(
        column_types={name: pa.string() for name in names}, strings_can_be_null=True, null_values=[""]
    )
    return pv.read_csv(delivery / "landing" / landing_file.relative_path, convert_options=options)
