"""Progress of the gate's row pass: rows and files done of the total, elapsed time, an estimate of the rest.

On a terminal it is a rich progress bar (on stderr); elsewhere (logs, CI) a plain line every `every_seconds`
and one per file. The total comes from the byte pass's line count, so it is known before a row is parsed.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class GateProgress:
    """Silent by default; `GateProgress.for_stream(sys.stderr)` picks a bar or plain lines."""

    def __init__(self) -> None:
        self.total_rows = 0
        self.total_files = 0
        self.rows = 0
        self.files = 0
        self.started = time.monotonic()

    @staticmethod
    def silent() -> GateProgress:
        return GateProgress()

    @staticmethod
    def for_stream(stream: IO[str] | None = None, every_seconds: float = 10.0) -> GateProgress:
        stream = stream or sys.stderr
        if stream.isatty():
            return RichProgress(stream)
        return PlainProgress(stream, every_seconds)

    def start(self, total_rows: int, total_files: int) -> None:
        self.total_rows, self.total_files = max(total_rows, 1), total_files
        self.started = time.monotonic()

    def advance(self, rows: int) -> None:
        self.rows += rows

    def file_done(self, name: str, rows: int) -> None:
        self.files += 1

    def finish(self) -> None:
        pass

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float | None:
        """Seconds left at the rate so far; None before any row is done."""
        if not self.rows:
            return None
        return self.elapsed * max(self.total_rows - self.rows, 0) / self.rows

    def line(self) -> str:
        left = self.remaining()
        estimate = "?" if left is None else _duration(left)
        share = min(100 * self.rows / self.total_rows, 100) if self.total_rows else 0
        return (
            f"gate: {self.files}/{self.total_files} files, {self.rows:,}/{self.total_rows:,} rows ({share:.0f}%), "
            f"elapsed {_duration(self.elapsed)}, about {estimate} left"
        )


class PlainProgress(GateProgress):
    """A line at most every `every_seconds`, and one when each file is done: for logs and CI."""

    def __init__(self, stream: IO[str], every_seconds: float) -> None:
        super().__init__()
        self.stream = stream
        self.every_seconds = every_seconds
        self.last_line = 0.0

    def advance(self, rows: int) -> None:
        super().advance(rows)
        if time.monotonic() - self.last_line >= self.every_seconds:
            self._print()

    def file_done(self, name: str, rows: int) -> None:
        super().file_done(name, rows)
        self._print(f" ({name} done, {rows:,} rows)")

    def _print(self, suffix: str = "") -> None:
        self.last_line = time.monotonic()
        print(self.line() + suffix, file=self.stream, flush=True)


class RichProgress(GateProgress):
    """A rich progress bar: rows done of the total, files, elapsed and remaining time."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("gate {task.fields[files]}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}/{task.total:,.0f} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self.task: Any = None

    def start(self, total_rows: int, total_files: int) -> None:
        super().start(total_rows, total_files)
        self.bar.start()
        self.task = self.bar.add_task("gate", total=self.total_rows, files=f"0/{total_files} files")

    def advance(self, rows: int) -> None:
        super().advance(rows)
        self.bar.update(self.task, completed=self.rows)

    def file_done(self, name: str, rows: int) -> None:
        super().file_done(name, rows)
        self.bar.update(self.task, files=f"{self.files}/{self.total_files} files")

    def finish(self) -> None:
        self.bar.update(self.task, completed=self.total_rows)
        self.bar.stop()
