"""The releases (crosstrack/releases.py): which are kept, their downloads, and the database of a named one.

The releases are those of the folder the public release's file is in (`Settings.public_db`'s folder, the publish
folder). `GET /api/releases` lists them; `/downloads/{release_id}/{file}` serves a file of a release's downloads
folder and nothing else: the id must be a well-formed release id of a kept release, and the file one of the names
that folder lists.

`?release=<id>` names the release an answer reads on /api/v1/query, /api/v1/cohorts and /healthz
(`release_database`, `NamedRelease`): an ill-formed id is a 400, an unknown or pruned one a 404, each naming the
parameter.
"""

from __future__ import annotations

import threading
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from crosstrack.api import schemas
from crosstrack.api.catalog import Catalog, load_catalog_without_cells
from crosstrack.api.database import ReadOnlyDatabase
from crosstrack.api.dependencies import AppSettings, reject_unknown_parameters
from crosstrack.api.errors import ERROR_RESPONSES, ApiError
from crosstrack.releases import (
    DOWNLOADS_DIR,
    RELEASE_ID,
    ReleaseError,
    current_id,
    get_release,
    list_releases,
    valid_id,
)
from crosstrack.settings import Settings

router = APIRouter()

RELEASE_PARAMETER = "release"
# The names of download files (crosstrack/releases.py writes them): no '/', no leading dot.
DOWNLOAD_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_databases_lock = threading.Lock()


class DownloadEntry(BaseModel):
    name: str = Field(description="The file name.")
    format: str = Field(description="csv (a zip of CSV files), parquet (a zip of Parquet files), duckdb, markdown.")
    bytes: int
    url: str = Field(description="Where to download it: /downloads/{release_id}/{name}.")


class ReleaseEntry(BaseModel):
    id: str
    as_of: str | None = Field(description="The date the release's cohort windows are relative to.")
    published_at: str
    current: bool = Field(description="The release the API answers from unless a query names another.")
    downloads: list[DownloadEntry]


def publish_dir(settings: Settings) -> FilePath:
    """The publish folder: where the public release's file is (its stable name links into releases/)."""
    return settings.public_db.parent


def _download_url(settings: Settings, release_id: str, name: str) -> str:
    return settings.api_public_url.rstrip("/") + f"/downloads/{release_id}/{name}"


@router.get(
    "/api/releases",
    summary="The kept releases, the most recent first, with their downloads",
    response_model=list[ReleaseEntry],
    responses=ERROR_RESPONSES,
    tags=["public"],
)
def releases(request: Request, settings: AppSettings) -> list[dict[str, Any]]:
    reject_unknown_parameters(request, ())
    folder = publish_dir(settings)
    current = current_id(folder)
    return [
        {
            "id": release.id,
            "as_of": release.as_of,
            "published_at": release.published_at,
            "current": release.id == current,
            "downloads": [
                {
                    "name": download.name,
                    "format": download.format,
                    "bytes": download.bytes,
                    "url": _download_url(settings, release.id, download.name),
                }
                for download in release.downloads()
            ],
        }
        for release in list_releases(folder)
    ]


@router.get(
    "/downloads/{release_id}/{file}",
    summary="A file of a release's downloads (the bundles, the README, the DuckDB file)",
    response_class=FileResponse,
    responses={
        200: {"description": "The file.", "content": {"application/octet-stream": {}}},
        404: {"model": schemas.ErrorResponse, "description": "No such release or no such file in its downloads."},
        **ERROR_RESPONSES,
    },
    tags=["public"],
)
def download(
    request: Request,
    settings: AppSettings,
    release_id: Annotated[str, Path(pattern=RELEASE_ID.pattern, description="A release id from /api/releases.")],
    file: Annotated[str, Path(pattern=DOWNLOAD_NAME, description="A file name its downloads list.")],
) -> FileResponse:
    reject_unknown_parameters(request, ())
    try:
        release = get_release(publish_dir(settings), release_id)
    except ReleaseError as exc:
        raise ApiError("no such release", "release_id", status=404) from exc
    # Only a name the downloads folder lists, as a regular file of that folder (never a path built from the request).
    offered = {download.name for download in release.downloads()}
    path = release.folder / DOWNLOADS_DIR / file
    if file not in offered or path.is_symlink() or not path.is_file():
        raise ApiError("no such file in this release's downloads", "file", status=404)
    return FileResponse(path, filename=file)


def release_database(request: Request, release_id: str | None) -> ReadOnlyDatabase[Catalog]:
    """The public database a query reads: the current release (`Settings.public_db`) when no release is named or
    the named one is current, else the named release's own file, opened once and kept while the release is.
    Raises ApiError (404) for an unknown release."""
    state = request.app.state
    if release_id is None:
        return state.public
    folder = publish_dir(state.settings)
    if not valid_id(release_id):
        raise ApiError(f"not a release id: {release_id[:40]!r} (GET /api/releases lists them)", RELEASE_PARAMETER)
    if release_id == current_id(folder):
        return state.public
    try:
        release = get_release(folder, release_id)
    except ReleaseError as exc:
        raise ApiError(f"no release {release_id} (GET /api/releases lists them)", RELEASE_PARAMETER, 404) from exc
    with _databases_lock:
        databases: dict[str, ReadOnlyDatabase[Catalog]] = state.release_databases
        for kept in [name for name in databases if not (folder / "releases" / name).is_dir()]:
            databases.pop(kept).close()  # pruned since
        if release_id not in databases:
            databases[release_id] = ReadOnlyDatabase(
                release.database, load_catalog_without_cells, f"release {release_id}"
            )
        return databases[release_id]


def named_release_id(request: Request, release_id: str | None) -> str | None:
    """The id of the release an answer read: the one named, else the current one (None before the first)."""
    return release_id if release_id is not None else current_id(publish_dir(request.app.state.settings))


# A plain function: FastAPI runs it in the thread pool, since opening an earlier release's file reads the disk.
def _named_release(
    request: Request,
    release: Annotated[
        str | None, Query(description="A release id from /api/releases (default: the current release).")
    ] = None,
) -> ReadOnlyDatabase[Catalog]:
    return release_database(request, release)


# The database of the release `?release=` names (default: the current one), for a route that describes a release.
NamedRelease = Annotated[ReadOnlyDatabase[Catalog], Depends(_named_release)]
