"""A read-only DuckDB file that is reopened when publication replaces it.

Publication moves a new file into place with os.replace (crosstrack/publish.py), so the path keeps its name but
points to a new inode. Each request stats the path (cheap) and, when the inode, modification time or size changed,
opens the new file; requests already running keep their cursor on the old one until they finish.

Each generation is a fresh in-memory DuckDB instance that ATTACHes the file READ_ONLY and then switches off file
system access: an in-memory instance is never shared through DuckDB's instance cache (so a reopen really sees the
new file), and the connection can reach nothing but the one attached file, whatever SQL it is handed.

Fail safe: a file that cannot be opened or read (missing, damaged, without its catalog) makes every request on it
a DatabaseUnavailable (answered 503 with the problem named, never a stack trace). The open is then not retried on
every request: the next attempt on the same file waits for a back-off that doubles from `RETRY_FIRST_S` up to
`RETRY_MAX_S`; a file replaced in the meantime (new inode, time or size) is tried at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import duckdb

ATTACHED_AS = "db"
RETRY_FIRST_S = 1.0
RETRY_MAX_S = 60.0

T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The file is missing or cannot be opened or read (the API answers 503)."""


def describe_problem(exc: duckdb.Error) -> str:
    """What went wrong, in words that name no path and carry no trace."""
    message = str(exc).lower()
    if "corrupt" in message or "checksum" in message or isinstance(exc, duckdb.SerializationException):
        return "the file is damaged"
    if isinstance(exc, duckdb.IOException):
        return "the file cannot be read (I/O error)"
    if isinstance(exc, duckdb.CatalogException):
        return "a table or column it should hold is missing"
    return f"the database reported an error ({type(exc).__name__})"


# Errors that say the file itself is at fault (as opposed to one statement): the file is reopened after a back-off.
_FILE_ERRORS = (
    duckdb.IOException,
    duckdb.CatalogException,
    duckdb.SerializationException,
    duckdb.InternalException,
    duckdb.FatalException,
)


@dataclass(frozen=True)
class _Failure:
    identity: tuple[int, int, int, int]
    retry_at: float  # time.monotonic()
    delay: float
    message: str


@dataclass(frozen=True)
class _Generation(Generic[T]):
    identity: tuple[int, int, int, int]
    connection: duckdb.DuckDBPyConnection
    derived: T  # what is read once per file (the public catalog), rebuilt on reopen


def _file_identity(path: Path) -> tuple[int, int, int, int]:
    stat = path.stat()
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with `path` attached READ_ONLY as `db`, external access off, configuration locked."""
    connection = duckdb.connect(":memory:")
    try:
        literal = str(path).replace("'", "''")  # ATTACH takes no bound parameter; the path is ours, not a user's
        connection.execute(f"attach '{literal}' as {ATTACHED_AS} (read_only)")
        connection.execute("set enable_external_access = false")
        connection.execute("set lock_configuration = true")
    except duckdb.Error:
        connection.close()
        raise
    return connection


class ReadOnlyDatabase(Generic[T]):
    """One read-only connection to `path`, reopened when the file is replaced; `cursor()` hands out one per request.

    `derive(connection)` runs once per opened file (e.g. reading the catalog); its result comes with each cursor.
    """

    def __init__(self, path: Path, derive: Callable[[duckdb.DuckDBPyConnection], T], label: str) -> None:
        self.path = path
        self._derive = derive
        self._label = label
        self._lock = threading.Lock()
        self._generation: _Generation[T] | None = None
        self._failure: _Failure | None = None

    def cursor(self) -> tuple[duckdb.DuckDBPyConnection, T]:
        """A fresh cursor on the current file and what was derived from it. Raises DatabaseUnavailable."""
        generation = self._current()
        return generation.connection.cursor(), generation.derived

    def _current(self) -> _Generation[T]:
        """The open file, reopened first if it was replaced. Raises DatabaseUnavailable."""
        try:
            identity = _file_identity(self.path)
        except OSError as exc:
            raise DatabaseUnavailable(f"the {self._label} is not available") from exc
        with self._lock:
            generation = self._generation
            if generation is None or generation.identity != identity:
                failure = self._failure
                if failure is not None and failure.identity == identity and time.monotonic() < failure.retry_at:
                    raise DatabaseUnavailable(failure.message)
                try:
                    generation = self._open(identity)
                except DatabaseUnavailable as exc:
                    self._failed(identity, str(exc))
                    raise
                self._failure = None
                # The previous connection is not closed here: a request still reading it holds its cursor, and
                # the old instance goes away with the last reference.
                self._generation = generation
            return generation

    @contextmanager
    def reading(self) -> Iterator[tuple[duckdb.DuckDBPyConnection, T]]:
        """A cursor for one request's reads and what was derived, read under `failing_safe`."""
        cursor, derived = self.cursor()
        try:
            with self.failing_safe():
                yield cursor, derived
        finally:
            cursor.close()

    @contextmanager
    def failing_safe(self) -> Iterator[None]:
        """A DuckDB error within becomes DatabaseUnavailable naming the problem, and an error of the file itself
        (I/O, corruption, catalog) drops the open file so that it is reopened after the back-off."""
        try:
            yield
        except duckdb.Error as exc:
            message = f"the {self._label} cannot be read: {describe_problem(exc)}"
            if isinstance(exc, _FILE_ERRORS) or type(exc) is duckdb.Error:
                with self._lock:
                    generation = self._generation
                    if generation is not None:
                        self._generation = None
                        self._failed(generation.identity, message)
            raise DatabaseUnavailable(message) from exc

    def _failed(self, identity: tuple[int, int, int, int], message: str) -> None:
        """Remember a failure on this file: the next attempt waits, twice as long each time (lock held)."""
        previous = self._failure
        delay = RETRY_FIRST_S
        if previous is not None and previous.identity == identity:
            delay = min(previous.delay * 2, RETRY_MAX_S)
        self._failure = _Failure(identity, time.monotonic() + delay, delay, message)

    def derived_if_open(self) -> T | None:
        """What was derived from the current file if it is open and unchanged (a stat, nothing read from the file),
        else None: then `derived()` opens it and reads what is derived, which is I/O for the thread pool, not
        for the event loop. Raises DatabaseUnavailable when the file is not there."""
        try:
            identity = _file_identity(self.path)
        except OSError as exc:
            raise DatabaseUnavailable(f"the {self._label} is not available") from exc
        generation = self._generation
        return generation.derived if generation is not None and generation.identity == identity else None

    def derived(self) -> T:
        """What was derived from the current file (reopening it if it was replaced), without a cursor."""
        return self._current().derived

    def _open(self, identity: tuple[int, int, int, int]) -> _Generation[T]:
        try:
            connection = open_read_only(self.path)
        except duckdb.Error as exc:
            raise DatabaseUnavailable(f"the {self._label} cannot be opened: {describe_problem(exc)}") from exc
        try:
            derived = self._derive(connection)
        except duckdb.Error as exc:
            connection.close()
            raise DatabaseUnavailable(f"the {self._label} cannot be read: {describe_problem(exc)}") from exc
        except Exception:
            connection.close()
            raise
        return _Generation(identity=identity, connection=connection, derived=derived)

    def close(self) -> None:
        with self._lock:
            if self._generation is not None:
                self._generation.connection.close()
                self._generation = None


def fetch_all(cursor: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any] | None = None) -> list[tuple]:
    """Run one statement and fetch its whole result (DuckDB: finish one result before starting the next)."""
    return cursor.execute(sql, parameters or []).fetchall()
