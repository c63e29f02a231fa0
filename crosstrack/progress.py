"""Progress of long work: a rich progress bar on a terminal, plain periodic lines otherwise (logs and CI).

    with Progress("dbt build", total=None, unit="nodes") as progress:
        progress.set_total(812)
        progress.advance()
        progress.set_detail("3/7 files", note="a.csv done")  # a second measure of the work, e.g. the gate's files

Both show what is done of the total, the time elapsed and an estimate of the time left. Safe to call from
several threads (dbt's callbacks arrive from its worker threads).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

PLAIN_INTERVAL_SECONDS = 10.0


class Progress:
    def __init__(
        self,
        description: str,
        total: float | None = None,
        unit: str = "",
        stream: TextIO | None = None,
        interval: float = PLAIN_INTERVAL_SECONDS,
        enabled: bool = True,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.completed = 0.0
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.enabled = enabled
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last_line = self._started
        self.detail = ""
        self._bar = None
        self._task = None

    # ---- the context ----------------------------------------------------------------------------------------

    def __enter__(self) -> Progress:
        self._started = self._last_line = time.monotonic()
        if self.enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description} {task.fields[detail]}"),
                BarColumn(),
                TextColumn("{task.fields[done]}"),
                TextColumn(self.unit),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total, detail=self.detail, done=self._done())
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.enabled:
            self._line(final=exc_type is None)

    # ---- updates --------------------------------------------------------------------------------------------

    def set_total(self, total: float) -> None:
        with self._lock:
            if self.total == total:
                return
            self.total = total
            if self._bar is not None:
                self._bar.update(self._task, total=total, done=self._done())

    def advance(self, amount: float = 1) -> None:
        with self._lock:
            self.completed += amount
            if self._bar is not None:
                self._bar.update(self._task, completed=self.completed, done=self._done())
            elif self.enabled and time.monotonic() - self._last_line >= self.interval:
                self._line(final=False)

    def set_detail(self, detail: str, note: str = "") -> None:
        """A second measure shown beside the first (the gate's "3/7 files"); with a `note`, a plain line now."""
        with self._lock:
            self.detail = detail
            if self._bar is not None:
                self._bar.update(self._task, detail=detail)
            elif self.enabled and note:
                self._line(final=False, suffix=f" ({note})")

    def _done(self) -> str:
        return f"{self.completed:,.0f}/" + (f"{self.total:,.0f}" if self.total else "?")

    def line(self) -> str:
        """The plain line: done of total, elapsed, and the estimated time left while not finished."""
        elapsed = time.monotonic() - self._started
        done = f"{self.completed:,.0f}" + (f" of {self.total:,.0f}" if self.total else "")
        detail = f"{self.detail}, " if self.detail else ""
        text = f"{self.description}: {detail}{done} {self.unit}".rstrip() + f", {elapsed:.0f} s elapsed"
        if self.total and self.total * 0.05 <= self.completed < self.total:  # an estimate once 5% is done
            left = elapsed * (self.total - self.completed) / self.completed
            text += f", about {left:.0f} s left"
        return text

    def _line(self, final: bool, suffix: str = "") -> None:
        self._last_line = time.monotonic()
        print(self.line() + (" (done)" if final else suffix), file=self.stream, flush=True)
