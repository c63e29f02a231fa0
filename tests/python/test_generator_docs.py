"""docs/generator.md documents every fault rate with its default."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from crosstrack.generator.faults import FaultRates

DOC = Path(__file__).resolve().parents[2] / "docs" / "generator.md"


def test_every_fault_rate_is_documented_with_its_default() -> None:
    text = DOC.read_text(encoding="utf-8")
    defaults = FaultRates()
    for rate in fields(FaultRates):
        assert f"| `{rate.name}` | {getattr(defaults, rate.name):g} |" in text, rate.name


def test_every_fault_rate_has_a_docstring() -> None:
    import inspect

    source = inspect.getsource(FaultRates)
    for rate in fields(FaultRates):
        after = source.split(f"{rate.name}: float")[1].splitlines()[1].strip()
        assert after.startswith('"""'), rate.name
