"""Progress of long work: plain periodic lines in logs, a rich bar on a terminal, nothing when disabled."""

from __future__ import annotations

import io

import pytest

from crosstrack.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_give_done_of_total_elapsed_and_an_estimate() -> None:
    stream = io.StringIO()  # a log: not a terminal
    with Progress("dbt build", total=40, unit="nodes", stream=stream, interval=0) as progress:
        for _ in range(3):
            progress.advance()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("dbt build: 1 of 40 nodes, ")
    assert "left" not in lines[0]  # no estimate before 5% is done
    assert lines[1].startswith("dbt build: 2 of 40 nodes, ") and "s left" in lines[1]
    assert lines[-1].startswith("dbt build: 3 of 40 nodes, ") and lines[-1].endswith("(done)")
    assert len(lines) == 4  # one per step (interval 0) and the last


def test_plain_lines_come_at_most_once_per_interval() -> None:
    stream = io.StringIO()
    with Progress("publish", total=1000, stream=stream, interval=3600) as progress:
        for _ in range(1000):
            progress.advance()
    assert stream.getvalue().splitlines() == [stream.getvalue().splitlines()[-1]]
    assert "1,000 of 1,000" in stream.getvalue()


def test_a_failed_step_is_not_reported_done() -> None:
    stream = io.StringIO()
    with pytest.raises(RuntimeError), Progress("gate", total=5, unit="files", stream=stream) as progress:
        progress.advance()
        raise RuntimeError("stop")
    assert stream.getvalue().strip().startswith("gate: 1 of 5 files")
    assert "(done)" not in stream.getvalue()


def test_a_terminal_gets_a_bar_with_done_of_total_and_a_total_set_later() -> None:
    stream = Terminal()
    with Progress("dbt build", unit="nodes", stream=stream) as progress:
        progress.set_total(12)
        for _ in range(7):
            progress.advance()
    assert "7/12" in stream.getvalue()
    assert "of 12" not in stream.getvalue()  # the bar, not the plain lines


def test_disabled_progress_prints_nothing() -> None:
    stream = io.StringIO()
    with Progress("publish", total=3, stream=stream, interval=0, enabled=False) as progress:
        progress.advance(3)
    assert stream.getvalue() == ""
