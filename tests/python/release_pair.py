"""A second release of the session's delivery, built at an earlier as_of (three months before the session
warehouse's): two releases of the same data, as an intruder who kept the previous one holds them (disclosure
attack f, tests/python/test_disclosure_attacks.py)."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from warehouse_build import BuiltWarehouse, DeploymentSecret

from crosstrack.pipeline import KEY_REGISTRY_ENV, build_warehouse, key_registry_path
from crosstrack.secret import SECRET_FILE_ENV

MONTHS_EARLIER = 3


@dataclass(frozen=True)
class EarlierRelease:
    database: Path
    published: Path
    as_of: str

    @property
    def public_database(self) -> Path:
        return self.published / "crosstrack_public.duckdb"


def months_before(as_of: str, months: int) -> str:
    day = dt.date.fromisoformat(as_of)
    month = day.year * 12 + day.month - 1 - months
    return day.replace(year=month // 12, month=month % 12 + 1, day=min(day.day, 28)).isoformat()


@pytest.fixture(scope="session")
def earlier_release(
    built_warehouse: BuiltWarehouse, deployment_secret: DeploymentSecret, tmp_path_factory: pytest.TempPathFactory
) -> EarlierRelease:
    root = tmp_path_factory.mktemp("earlier_release")
    as_of = months_before(built_warehouse.as_of, MONTHS_EARLIER)
    database = root / "crosstrack.duckdb"
    # One deployment: the same secret and the same person-key registry, so the same records keep their keys and
    # their noise from one release to the next (a copy, so the session warehouse's registry stays as it was).
    registry = root / "person_key_registry.parquet"
    shutil.copyfile(key_registry_path(built_warehouse.database), registry)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_FILE_ENV, str(deployment_secret.path))
        patch.setenv(KEY_REGISTRY_ENV, str(registry))
        _build(built_warehouse, database, as_of, root)
    return EarlierRelease(database=database, published=root / "public", as_of=as_of)


# The models alone: the session's build ran every data and unit test on this delivery; the models and the release
# they publish are the same with or without the tests (a build skips nothing downstream of a passing test).
MODELS_ONLY = ("--exclude", "resource_type:test", "resource_type:unit_test")


def _build(built_warehouse: BuiltWarehouse, database: Path, as_of: str, root: Path) -> None:
    build_warehouse(
        landing_dir=built_warehouse.landing,
        warehouse=database,
        as_of=as_of,
        extract_date=built_warehouse.as_of,  # the same delivery, extracted on its own date
        quality_dir=root / "quality",
        docs=False,
        quiet=True,
        dbt_args=MODELS_ONLY,
        target_path=root / "target",
        publish_dir=root / "public",
    )
