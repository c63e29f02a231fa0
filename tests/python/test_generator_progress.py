"""Generation reports its steps: the simulation, each system's frames, each landing file, each truth table."""

from __future__ import annotations

from pathlib import Path

from conftest import GENERATED_AS_OF

from crosstrack.contract import load_contract
from crosstrack.generator.faults import FaultRates
from crosstrack.generator.generate import TRUTH_TABLES, GenerateOptions, generate, step_count


class Recorder:
    """A progress sink that notes, at each step, how many landing and truth files are on disk."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.totals: list[float] = []
        self.steps: list[tuple[int, int]] = []

    def set_total(self, total: float) -> None:
        self.totals.append(total)

    def advance(self, amount: float = 1) -> None:
        assert amount == 1
        landing = len(list((self.out / "landing").rglob("*.csv")))
        truth = len(list((self.out / "truth").glob("*.parquet")))
        self.steps.append((landing, truth))


def test_generation_reports_each_step_of_a_known_total(tmp_path: Path) -> None:
    contract = load_contract()
    recorder = Recorder(tmp_path)
    options = GenerateOptions(scale=0.002, seed=5, as_of=GENERATED_AS_OF, out=tmp_path, faults=FaultRates())
    manifest = generate(options, progress=recorder)

    assert recorder.totals == [step_count(contract)]
    assert len(recorder.steps) == step_count(contract)
    preparation = 1 + len(contract.systems)
    files = len(manifest["row_counts"])
    # nothing is written while simulating and building frames
    assert recorder.steps[:preparation] == [(0, 0)] * preparation
    # then one step per landing file, each reported once that file is written
    assert recorder.steps[preparation : preparation + files] == [(i, 0) for i in range(1, files + 1)]
    # then one step per truth table
    assert recorder.steps[preparation + files :] == [(files, i) for i in range(1, len(TRUTH_TABLES) + 1)]
