"""A build starts from its deployment's saved dbt parse, even for a delivery with another as_of, and what it then
compiles is exactly what a full parse compiles (crosstrack/pipeline.py, SavedParse and RUNTIME_ONLY_VARS)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crosstrack.pipeline import Build

OTHER_AS_OF = "2025-03-31"
PARTIAL_PARSE = "Partial parsing enabled"  # dbt's log line when it starts from a saved parse (absent: a full parse)
# When the build ran (run_started_at, in the person-key models): the one thing two compiles of the same files differ in.
RUN_TIME = re.compile(rb"'\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?'")
# What two manifests of the same files differ in by where and when dbt ran: the target folder, the SQL compiled with
# the run's time and var values, and the env_var() values dbt recorded.
PER_RUN = ("compiled_code", "compiled_path", "build_path", "env_vars")


@dataclass(frozen=True)
class Compiled:
    target: Path

    @property
    def log(self) -> str:
        return (self.target / "logs" / "dbt.log").read_text(encoding="utf-8")

    def sql(self) -> dict[str, bytes]:
        """Every compiled node's SQL, the build's time left out."""
        folder = self.target / "compiled"
        return {
            str(path.relative_to(folder)): RUN_TIME.sub(b"'<run started at>'", path.read_bytes())
            for path in sorted(folder.rglob("*.sql"))
        }

    def manifest(self, *, without: tuple[str, ...] = ()) -> Any:
        """manifest.json without what differs between two parses of the same files: the run's metadata, the time
        each node was read, the order of dependency lists (dbt builds them from sets), and the keys `without`."""
        manifest = json.loads((self.target / "manifest.json").read_text(encoding="utf-8"))
        manifest.pop("metadata")
        return _normalized(manifest, {"created_at", *without})


def _normalized(value: Any, dropped: set[str]) -> Any:
    if isinstance(value, dict):
        return {key: _normalized(item, dropped) for key, item in value.items() if key not in dropped}
    if isinstance(value, list):
        return sorted((_normalized(item, dropped) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


@pytest.fixture(scope="module")
def compiles(built_warehouse, tmp_path_factory: pytest.TempPathFactory, deployment_secret) -> dict[str, Compiled]:
    """`dbt compile` in one deployment (one warehouse path), as a build runs it: as_of A with no saved parse; a new
    delivery with as_of B in the same place (the gate's output beside the warehouse); as_of B again with dbt's
    partial parsing off; then a delivery whose gate output is somewhere else."""
    root = tmp_path_factory.mktemp("parse")
    warehouse = root / "deployment" / "crosstrack.duckdb"
    warehouse.parent.mkdir()
    quality, moved = root / "deployment" / "quality", root / "elsewhere" / "quality"
    shutil.copytree(built_warehouse.quality, quality)
    shutil.copytree(built_warehouse.quality, moved)
    runs = {
        "first": (built_warehouse.as_of, quality, ()),
        "next": (OTHER_AS_OF, quality, ()),
        "full": (OTHER_AS_OF, quality, ("--no-partial-parse",)),
        "moved": (OTHER_AS_OF, moved, ()),
    }
    compiled = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CROSSTRACK_SECRET_FILE", str(deployment_secret.path))
        for name, (as_of, quality, extra) in runs.items():
            build = Build(built_warehouse.landing, warehouse, as_of, quality_dir=quality, target_path=root / name)
            shutil.copyfile(built_warehouse.database, build.staging_file)
            build._dbt(["compile"], extra)
            compiled[name] = Compiled(root / name)
    return compiled


@pytest.mark.warehouse
def test_a_new_delivery_starts_from_the_deployments_saved_parse(compiles) -> None:
    assert PARTIAL_PARSE not in compiles["first"].log  # nothing saved yet
    assert PARTIAL_PARSE in compiles["next"].log
    assert PARTIAL_PARSE not in compiles["full"].log


@pytest.mark.warehouse
def test_a_delivery_read_from_other_paths_parses_in_full(compiles) -> None:
    # dbt would re-parse only the files whose env_var() values changed, which does not give what a full parse gives.
    assert PARTIAL_PARSE not in compiles["moved"].log


@pytest.mark.warehouse
def test_what_a_build_from_the_saved_parse_compiles_is_what_a_full_parse_compiles(compiles) -> None:
    started_from_saved, parsed_in_full = compiles["next"], compiles["full"]
    assert OTHER_AS_OF.encode() in b"".join(started_from_saved.sql().values())
    assert started_from_saved.sql() == parsed_in_full.sql()
    assert started_from_saved.manifest(without=PER_RUN) == parsed_in_full.manifest(without=PER_RUN)


@pytest.mark.warehouse
def test_the_parse_does_not_depend_on_the_runtime_only_vars(compiles) -> None:
    # Two full parses with other as_of values: the manifests differ in the SQL compiled with it and nowhere else.
    # A config, ref, source or test argument that read as_of would differ here, and the saved parse of another as_of
    # would then be wrong to start from.
    assert compiles["first"].manifest(without=PER_RUN) == compiles["full"].manifest(without=PER_RUN)
