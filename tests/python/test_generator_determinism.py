"""Same arguments, byte-identical delivery; another seed, another delivery."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import run_generator

from crosstrack.contract import load_contract
from crosstrack.generator.generate import TRUTH_TABLES


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_arguments_write_byte_identical_files(tmp_path: Path) -> None:
    first = _digests(run_generator(tmp_path / "a", 0.004, 3))
    second = _digests(run_generator(tmp_path / "b", 0.004, 3))
    assert len(first) == len(load_contract().files) + len(TRUTH_TABLES) + 1  # landing files, truth tables, manifest
    assert first == second


def test_another_seed_writes_different_extracts(tmp_path: Path) -> None:
    first = _digests(run_generator(tmp_path / "a", 0.004, 3))
    other = _digests(run_generator(tmp_path / "b", 0.004, 4))
    assert first.keys() == other.keys()
    changed = [name for name in first if name.startswith("landing/") and first[name] != other[name]]
    assert len(changed) == sum(1 for name in first if name.startswith("landing/"))
