"""scripts/bench_build.py: the machine's steal and the CPU floor beside each stage's wall time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_build.py"
_spec = importlib.util.spec_from_file_location("bench_build", SCRIPT)
bench_build = importlib.util.module_from_spec(_spec)
sys.modules["bench_build"] = bench_build  # its dataclass looks its module up while the module runs
_spec.loader.exec_module(bench_build)

#                user nice system idle iowait irq softirq steal guest guest_nice
BEFORE = "cpu  1000 10 200 5000 30 0 20 100 50 0"
AFTER = "cpu  1600 10 260 5200 30 0 40 220 90 0"  # 1000 ticks later, 120 of them stolen


def counters(tmp_path: Path, line: str) -> list[int] | None:
    stat = tmp_path / "stat"
    stat.write_text(f"{line}\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 12345\n", encoding="ascii")
    return bench_build.cpu_counters(stat)


def test_steal_is_the_stolen_share_of_the_time_counted_between_two_readings(tmp_path: Path) -> None:
    # guest time is part of user time already: counting it again would give 120 / 1040.
    share = bench_build.steal_share(counters(tmp_path, BEFORE), counters(tmp_path, AFTER))
    assert share == pytest.approx(120 / 1000)


def test_steal_is_unknown_without_both_readings_or_a_steal_column(tmp_path: Path) -> None:
    assert bench_build.cpu_counters(tmp_path / "absent") is None
    assert counters(tmp_path, "intr 1 2 3") is None
    assert bench_build.steal_share(None, counters(tmp_path, AFTER)) is None
    assert bench_build.steal_share(counters(tmp_path, "cpu 1 2 3 4"), counters(tmp_path, "cpu 2 3 4 5")) is None
    assert bench_build.steal_share(counters(tmp_path, BEFORE), counters(tmp_path, BEFORE)) is None


def test_the_floor_is_the_median_cpu_work_spread_over_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_build, "usable_cores", lambda: 2)
    assert bench_build.floor([300.0, 420.0, 330.0]) == pytest.approx(165.0)  # the median, not the mean (175)


def test_a_stage_reports_the_cpu_time_of_its_process_and_all_its_threads(tmp_path: Path) -> None:
    # A stage's process is this script run for the stage; any process is measured alike.
    child = tmp_path / "burn.py"
    child.write_text(
        "import threading, time\n"
        "def burn():\n"
        "    end = time.process_time() + 0.4\n"
        "    while time.process_time() < end: pass\n"
        "threads = [threading.Thread(target=burn) for _ in range(2)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n",
        encoding="utf-8",
    )
    run = bench_build.run_process([sys.executable, str(child)], "burn")
    assert run.cpu_seconds >= 0.4  # process_time is the process's: the two threads end once it passed 0.4 s
    assert run.seconds > 0 and run.peak_mib > 0
