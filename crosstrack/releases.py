"""Releases: every publication is kept as an immutable folder, one of them current, with a revision history.

Layout of a publish folder:

    <publish_dir>/
      releases/<release_id>/          one release, never changed once renamed into place:
        crosstrack_public.duckdb      the public tables, their comments and the BI views (crosstrack/publish.py)
        parquet/<table>.parquet       the same tables, comments in the key-value metadata
        reports/                      the public quarterly recidivism report of this release (CSV and HTML,
                                      crosstrack/reports/), written from the release's own file before it is sealed
        downloads/                    what a user downloads: README.md (data dictionary, protection note, release
                                      date), crosstrack_<id>_csv.zip (one CSV per cube and the catalog, the README),
                                      crosstrack_<id>_parquet.zip, crosstrack_public.duckdb and the reports (hard
                                      links: the same bytes)
        release.json                  id, as_of, published_at, code version, delivery checksums, row counts, the
                                      reports' sha256
      current -> releases/<id>        switched by one rename: readers see the old release or the new one
      crosstrack_public.duckdb -> current/crosstrack_public.duckdb   the stable names existing readers open
      parquet -> current/parquet
      releases.json                   the revision history: every release ever published, what changed
      CHANGELOG.md                    the same history, rendered for people

The restricted SID capture report never enters a release folder: publication archives it per release id in a
restricted folder outside the publish folder (crosstrack/reports/sid_capture.py, `archive_sid_capture`).

A release id is `<as_of>_<published_at as YYYYMMDDTHHMMSSZ>` (a suffix `_2`, `_3` when two fall in one second).

Pruning policy (`prune`, run after each publication and by `crosstrack release prune`): the `keep` most recent
releases (default KEEP_RELEASES), the current one and every pinned one (`crosstrack release pin`) are kept; the
folders of the others are deleted. Their entries stay in the history, marked `pruned`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crosstrack.contract.cubes import public_cubes, suppression_threshold
from crosstrack.publish import DATABASE_NAME, PARQUET_DIR, PublishedRelease, PublishError, write_public_copy

RELEASES_DIR = "releases"
CURRENT = "current"
HISTORY = "releases.json"
CHANGELOG = "CHANGELOG.md"
RELEASE_FILE = "release.json"
DOWNLOADS_DIR = "downloads"
REPORTS_DIR = "reports"
README = "README.md"
LOCK = ".publish.lock"
KEEP_RELEASES = 8
# A release id: its as_of date (or `undated`), its publication time, and an optional suffix; nothing else, so that
# an id taken from a request can never name a path outside the releases folder.
RELEASE_ID = re.compile(r"^(\d{4}-\d{2}-\d{2}|undated)_\d{8}T\d{6}Z(_\d+)?$")
PROJECT_DIR = Path(__file__).resolve().parent.parent

PROTECTION_NOTE = (
    "Every value is an aggregate over at least {threshold} records. A cell of fewer than {threshold} records is "
    "suppressed: its values are empty and is_suppressed is true (suppressed is not zero; a cell with no records has "
    "no row). A count of a subset (program enrollments, releases with an outcome) is empty when fewer than "
    "{threshold} have it (or, for an outcome, do not). Every published count, mean and median carries a small "
    "random perturbation, the same each time the same records are counted, so that hidden values cannot be worked "
    "out by combining cells: parts may not add up exactly to totals (R-PUB-2, R-PUB-3, R-PUB-4)."
)


class ReleaseError(RuntimeError):
    """A release that does not exist, a bad id, or a pinned or current release asked to be pruned."""


@dataclass(frozen=True)
class Download:
    name: str
    format: str
    bytes: int


@dataclass(frozen=True)
class Release:
    id: str
    folder: Path
    record: dict[str, Any]  # release.json

    @property
    def as_of(self) -> str | None:
        return self.record.get("as_of")

    @property
    def published_at(self) -> str:
        return self.record["published_at"]

    @property
    def database(self) -> Path:
        return self.folder / DATABASE_NAME

    def reports(self) -> list[Path]:
        """The release's archived public reports (release.json lists them), in name order."""
        return [self.folder / name for name in sorted(self.record.get("reports") or {})]

    def downloads(self) -> list[Download]:
        folder = self.folder / DOWNLOADS_DIR
        if not folder.is_dir():
            return []
        return [
            Download(name=path.name, format=download_format(path.name), bytes=path.stat().st_size)
            for path in sorted(folder.iterdir())
            if path.is_file()
        ]


def download_format(name: str) -> str:
    """What a download holds: csv (a zip of CSV files), parquet (a zip of Parquet files), duckdb, markdown."""
    if name.endswith("_csv.zip"):
        return "csv"
    if name.endswith("_parquet.zip"):
        return "parquet"
    return {".duckdb": "duckdb", ".md": "markdown", ".html": "html"}.get(
        Path(name).suffix, Path(name).suffix.lstrip(".")
    )


# ---- reading ---------------------------------------------------------------------------------------------------


def releases_dir(publish_dir: Path) -> Path:
    return publish_dir / RELEASES_DIR


def valid_id(release_id: str) -> bool:
    return bool(RELEASE_ID.match(release_id))


def current_id(publish_dir: Path) -> str | None:
    """The id the `current` link names, or None before the first release."""
    link = publish_dir / CURRENT
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def get_release(publish_dir: Path, release_id: str) -> Release:
    """The release `release_id` of `publish_dir`. Raises ReleaseError for an ill-formed id or a missing release."""
    if not valid_id(release_id):
        raise ReleaseError(f"not a release id: {release_id!r}")
    folder = releases_dir(publish_dir) / release_id
    record_file = folder / RELEASE_FILE
    if not record_file.is_file():
        raise ReleaseError(f"no release {release_id} in {releases_dir(publish_dir)}")
    return Release(id=release_id, folder=folder, record=json.loads(record_file.read_text(encoding="utf-8")))


def list_releases(publish_dir: Path) -> list[Release]:
    """Every release kept in `publish_dir`, the most recent first."""
    folder = releases_dir(publish_dir)
    if not folder.is_dir():
        return []
    ids = [path.name for path in folder.iterdir() if valid_id(path.name) and (path / RELEASE_FILE).is_file()]
    releases = [get_release(publish_dir, release_id) for release_id in ids]
    return sorted(releases, key=lambda release: (release.published_at, release.id), reverse=True)


def read_history(publish_dir: Path) -> list[dict[str, Any]]:
    """The revision history (releases.json), oldest first."""
    path = publish_dir / HISTORY
    if not path.is_file():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["releases"]


# ---- writing ---------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def publish_lock(publish_dir: Path) -> Iterator[None]:
    """One publication or prune at a time in `publish_dir`."""
    publish_dir.mkdir(parents=True, exist_ok=True)
    with open(publish_dir / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def code_version() -> str:
    """`git describe` of the project when it is a git checkout, else the installed package's version."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        if described:
            return described
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crosstrack")
    except PackageNotFoundError:
        return "unknown"


def delivery_checksums(landing_dir: Path | None) -> dict[str, str] | None:
    """sha256 of every file of the delivery, by path relative to it (None: no delivery given)."""
    if landing_dir is None:
        return None
    if not landing_dir.is_dir():
        raise PublishError(f"no delivery at {landing_dir}")
    return {
        path.relative_to(landing_dir).as_posix(): file_sha256(path)
        for path in sorted(p for p in landing_dir.rglob("*") if p.is_file())
    }


def release_checksums(warehouse: Path, landing_dir: Path | None) -> dict[str, str] | None:
    """The delivery's checksums a release records: those of the manifest the warehouse carries (the build copies
    the gate's into it, crosstrack/quality/outputs.py), checked against `landing_dir` when it is given (a file of
    the manifest missing there or different is a PublishError naming it; a file the contract does not name, which
    the gate ignored, is ignored here too); for a warehouse without a manifest, those of `landing_dir`; None when
    there is neither."""
    from crosstrack.quality.outputs import MANIFEST_TABLE, recorded_manifest

    recorded = recorded_manifest(warehouse)
    given = delivery_checksums(landing_dir)
    if recorded is None:
        return given
    carried = {name: facts["sha256"] for name, facts in recorded.items()}
    if given is not None:
        for name in sorted(carried):
            if name not in given:
                problem = "is not in the delivery given"
            elif given[name] != carried[name]:
                problem = f"has sha256 {given[name]}, the warehouse's manifest {carried[name]}"
            else:
                continue
            raise PublishError(
                f"--landing {landing_dir}: {name} {problem} ({warehouse} {MANIFEST_TABLE}); publish the warehouse "
                "built from this delivery, or leave out --landing"
            )
    return carried


def _release_facts(database: Path) -> tuple[str | None, int]:
    """The as_of and the suppression threshold the published file records (pub_release), if it has the table."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        has = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'public' and table_name = 'pub_release'"
        ).fetchone()[0]
        if not has:
            return None, suppression_threshold()
        query = "select cast(as_of as varchar), suppression_threshold from public.pub_release"
        as_of, threshold = con.execute(query).fetchone()
        return as_of, int(threshold)
    finally:
        con.close()


def _new_id(publish_dir: Path, as_of: str | None, published_at: dt.datetime) -> str:
    base = f"{as_of or 'undated'}_{published_at.strftime('%Y%m%dT%H%M%SZ')}"
    candidate, suffix = base, 1
    while (releases_dir(publish_dir) / candidate).exists():
        suffix += 1
        candidate = f"{base}_{suffix}"
    return candidate


def create_release(
    warehouse: Path,
    publish_dir: Path,
    landing_dir: Path | None = None,
    as_of: str | None = None,
    show_progress: bool = False,
    keep: int = KEEP_RELEASES,
) -> PublishedRelease:
    """Write a new release of `warehouse`'s public schema, make it current, record it, prune (see the module)."""
    with publish_lock(publish_dir):
        releases = releases_dir(publish_dir)
        releases.mkdir(exist_ok=True)
        published_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        checksums = release_checksums(warehouse, landing_dir)
        staging = releases / f".partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            row_counts = write_public_copy(warehouse, staging, show_progress)
            recorded_as_of, threshold = _release_facts(staging / DATABASE_NAME)
            as_of = recorded_as_of or as_of
            release_id = _new_id(publish_dir, as_of, published_at)
            record = {
                "id": release_id,
                "as_of": as_of,
                "published_at": published_at.isoformat().replace("+00:00", "Z"),
                "code_version": code_version(),
                "delivery_checksums": checksums,
                "row_counts": row_counts,
            }
            record["reports"] = _write_reports(staging)
            _write_downloads(staging, release_id, record, threshold)
            (staging / RELEASE_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            _make_read_only(staging)
            os.rename(staging, releases / release_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        switch_current(publish_dir, release_id)
        _record_history(publish_dir, record)
        prune(publish_dir, keep=keep, locked=True)
    return PublishedRelease(
        database=publish_dir / DATABASE_NAME,
        parquet_dir=publish_dir / PARQUET_DIR,
        tables=tuple(row_counts),
        release_id=release_id,
        release_dir=releases / release_id,
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_reports(folder: Path) -> dict[str, str]:
    """reports/: the public quarterly recidivism report of the release in `folder`, read from its own database (a
    release without the recidivism cube has none). Returns sha256 by path relative to the release folder."""
    from crosstrack.reports.quarterly_recidivism import has_recidivism_cube, write_quarterly_recidivism

    database = folder / DATABASE_NAME
    if not has_recidivism_cube(database):
        return {}
    written = write_quarterly_recidivism(database, folder / REPORTS_DIR)
    return {path.relative_to(folder).as_posix(): file_sha256(path) for path in sorted(written)}


def _make_read_only(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(0o444)


def _replace_with_link(path: Path, target: str) -> None:
    """`path` becomes a symbolic link to `target`, by one rename (a folder of an older layout is moved aside first,
    then deleted)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    temporary = path.with_name(f".{path.name}.next")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    aside = None
    if path.is_dir() and not path.is_symlink():
        aside = path.with_name(f".{path.name}.previous")
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(path, aside)
    os.replace(temporary, path)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def switch_current(publish_dir: Path, release_id: str) -> None:
    """Make `release_id` current: one rename of the `current` link; the stable names point through it."""
    get_release(publish_dir, release_id)  # it must exist
    _replace_with_link(publish_dir / CURRENT, f"{RELEASES_DIR}/{release_id}")
    _replace_with_link(publish_dir / DATABASE_NAME, f"{CURRENT}/{DATABASE_NAME}")
    _replace_with_link(publish_dir / PARQUET_DIR, f"{CURRENT}/{PARQUET_DIR}")


def _write_json(path: Path, document: Any) -> None:
    temporary = path.with_name(f".{path.name}.next")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _changes(previous: dict[str, Any] | None, record: dict[str, Any]) -> dict[str, Any]:
    """What changed from the previous release: as_of, tables added or removed, row counts."""
    if previous is None:
        return {"first_release": True}
    before, after = previous["row_counts"], record["row_counts"]
    changes: dict[str, Any] = {"previous": previous["id"]}
    if previous.get("as_of") != record.get("as_of"):
        changes["as_of"] = [previous.get("as_of"), record.get("as_of")]
    changes["tables_added"] = sorted(set(after) - set(before))
    changes["tables_removed"] = sorted(set(before) - set(after))
    changes["row_counts"] = {
        table: [before[table], after[table]]
        for table in sorted(set(before) & set(after))
        if before[table] != after[table]
    }
    if previous.get("delivery_checksums") != record.get("delivery_checksums"):
        changes["delivery_changed"] = True
    return changes


def _record_history(publish_dir: Path, record: dict[str, Any]) -> None:
    history = read_history(publish_dir)
    entry = {key: record[key] for key in ("id", "as_of", "published_at", "code_version", "row_counts")}
    entry["delivery_checksums"] = record["delivery_checksums"]
    entry["changes"] = _changes(history[-1] if history else None, record)
    history.append(entry)
    _write_history(publish_dir, history)


def _write_history(publish_dir: Path, history: list[dict[str, Any]]) -> None:
    _write_json(publish_dir / HISTORY, {"releases": history})
    temporary = publish_dir / f".{CHANGELOG}.next"
    temporary.write_text(render_changelog(history), encoding="utf-8")
    os.replace(temporary, publish_dir / CHANGELOG)


def render_changelog(history: list[dict[str, Any]]) -> str:
    """The revision history for people, the most recent release first."""
    lines = ["# Public releases", "", "Generated from releases.json at each publication; the most recent first.", ""]
    for entry in reversed(history):
        flags = [flag for flag in ("pinned", "pruned") if entry.get(flag)]
        lines += [f"## {entry['id']}{' (' + ', '.join(flags) + ')' if flags else ''}", ""]
        lines += [f"- as_of: {entry['as_of']}", f"- published at: {entry['published_at']}"]
        lines += [f"- code version: {entry['code_version']}"]
        changes = entry["changes"]
        if changes.get("first_release"):
            lines.append("- first release")
        else:
            lines.append(f"- changes since {changes['previous']}:")
            if "as_of" in changes:
                lines.append(f"  - as_of {changes['as_of'][0]} -> {changes['as_of'][1]}")
            for key in ("tables_added", "tables_removed"):
                if changes[key]:
                    lines.append(f"  - {key.replace('_', ' ')}: {', '.join(changes[key])}")
            for table, (before, after) in changes["row_counts"].items():
                lines.append(f"  - {table}: {before} -> {after} rows")
            if changes.get("delivery_changed"):
                lines.append("  - a different delivery")
            if len(lines) and lines[-1].endswith(":"):
                lines.append("  - no change in the tables' row counts")
        lines.append("")
    return "\n".join(lines)


# ---- downloads -------------------------------------------------------------------------------------------------


def _write_downloads(folder: Path, release_id: str, record: dict[str, Any], threshold: int) -> None:
    """downloads/: the README, the CSV bundle (one CSV per cube and catalog table, with the README), the Parquet
    bundle, the DuckDB file and the public reports (hard links: the same bytes)."""
    import duckdb

    downloads = folder / DOWNLOADS_DIR
    downloads.mkdir()
    readme = render_readme(folder / DATABASE_NAME, record, threshold)
    (downloads / README).write_text(readme, encoding="utf-8")
    csv_dir = folder / ".csv"
    csv_dir.mkdir()
    con = duckdb.connect(str(folder / DATABASE_NAME), read_only=True)
    try:
        for table in record["row_counts"]:
            path = str(csv_dir / f"{table}.csv").replace("'", "''")
            con.execute(f"copy public.\"{table}\" to '{path}' (format csv, header true)")
    finally:
        con.close()
    with zipfile.ZipFile(downloads / f"crosstrack_{release_id}_csv.zip", "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(README, readme)
        for path in sorted(csv_dir.iterdir()):
            bundle.write(path, path.name)
    shutil.rmtree(csv_dir)
    with zipfile.ZipFile(downloads / f"crosstrack_{release_id}_parquet.zip", "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr(README, readme)
        for path in sorted((folder / PARQUET_DIR).iterdir()):
            bundle.write(path, f"{PARQUET_DIR}/{path.name}")
    os.link(folder / DATABASE_NAME, downloads / DATABASE_NAME)
    for report in record["reports"]:
        os.link(folder / report, downloads / Path(report).name)


def render_readme(database: Path, record: dict[str, Any], threshold: int) -> str:
    """The data dictionary of the release: every table and column with its comment, the protection note and the
    release's dates."""
    import duckdb

    cubes = {cube["table"]: cohort for cohort, cube in public_cubes().items()}
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            "select table_name, comment from duckdb_tables() where schema_name = 'public' order by table_name"
        ).fetchall()
        views = con.execute(
            "select view_name, comment from duckdb_views() where schema_name = 'public' and not internal "
            "order by view_name"
        ).fetchall()
        columns = con.execute(
            "select table_name, column_name, data_type, comment from duckdb_columns() where schema_name = 'public' "
            "order by table_name, column_index"
        ).fetchall()
    finally:
        con.close()
    by_table: dict[str, list[tuple[str, str, str | None]]] = {}
    for table, column, data_type, comment in columns:
        by_table.setdefault(table, []).append((column, data_type, comment))
    lines = [
        "# Cross-Tracking public release",
        "",
        f"- release: {record['id']}",
        f"- as_of (the date cohort windows are relative to): {record['as_of']}",
        f"- published at: {record['published_at']}",
        f"- code version: {record['code_version']}",
        "",
        "## Protection",
        "",
        PROTECTION_NOTE.format(threshold=threshold),
        "",
        "## How to read a cube",
        "",
        "A cube (one CSV or Parquet file per cohort) holds, within each partition, every cell of every published",
        "grouping set: `dimensions` names the grouped dimensions (empty for the total), a dimension column holds the",
        "cell's value, or is empty for all values. Sum rows only within one value of `dimensions`, or use the",
        "`bi_*` views of the DuckDB file, one grouping set each.",
        "",
        "## Tables",
        "",
    ]
    for table, comment in tables:
        kind = f" (the {cubes[table]} cube)" if table in cubes else ""
        lines += [f"### {table}{kind}", "", comment or "", "", "| column | type | description |", "|---|---|---|"]
        lines += [f"| {column} | {data_type} | {comment or ''} |" for column, data_type, comment in by_table[table]]
        lines.append("")
    if views:
        lines += ["## Views (DuckDB file): one grouping set each", "", "| view | description |", "|---|---|"]
        lines += [f"| {view} | {comment or ''} |" for view, comment in views]
        lines.append("")
    return "\n".join(lines)


# ---- pruning and pins ------------------------------------------------------------------------------------------


def set_pinned(publish_dir: Path, release_id: str, pinned: bool) -> None:
    """Pin (keep whatever the pruning policy says) or unpin a release, in the history."""
    with publish_lock(publish_dir):
        get_release(publish_dir, release_id)
        history = read_history(publish_dir)
        for entry in history:
            if entry["id"] == release_id:
                entry["pinned"] = pinned
        _write_history(publish_dir, history)


def pinned_ids(publish_dir: Path) -> set[str]:
    return {entry["id"] for entry in read_history(publish_dir) if entry.get("pinned")}


def prune(publish_dir: Path, keep: int = KEEP_RELEASES, locked: bool = False) -> list[str]:
    """Delete the folders of the releases the policy does not keep (see the module); returns their ids."""
    if keep < 1:
        raise ReleaseError("keep at least one release")
    if not locked:
        with publish_lock(publish_dir):
            return prune(publish_dir, keep, locked=True)
    kept = {release.id for release in list_releases(publish_dir)[:keep]}
    kept |= pinned_ids(publish_dir)
    current = current_id(publish_dir)
    if current is not None:
        kept.add(current)
    removed = [release.id for release in list_releases(publish_dir) if release.id not in kept]
    for release_id in removed:
        folder = releases_dir(publish_dir) / release_id
        aside = releases_dir(publish_dir) / f".pruned-{release_id}"
        os.rename(folder, aside)  # the release disappears at once, its files after
        shutil.rmtree(aside)
    if removed:
        history = read_history(publish_dir)
        for entry in history:
            if entry["id"] in removed:
                entry["pruned"] = True
        _write_history(publish_dir, history)
    return removed
