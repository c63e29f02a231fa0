"""Releases (crosstrack/releases.py): each publication an immutable folder made current by one rename, the stable
file name following it, the revision history, the pruning policy, the downloads, and the API's view of them."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from api_fixtures import build_public_db
from fastapi.testclient import TestClient
from live_server import free_port, served_settings, serving
from starlette.requests import Request

from crosstrack.api import create_app
from crosstrack.api.errors import ApiError
from crosstrack.api.routers import releases as releases_router
from crosstrack.cli import main
from crosstrack.publish import PublishError, publish
from crosstrack.quality.outputs import record_manifest
from crosstrack.releases import (
    HISTORY,
    ReleaseError,
    current_id,
    list_releases,
    prune,
    read_history,
    set_pinned,
)
from crosstrack.secret import SECRET_FILE_ENV

EARLIER_AS_OF = "2026-04-01"


@pytest.fixture(autouse=True)
def _secret(with_secret):
    """Publication needs the deployment secret."""


def _warehouse(path: Path, count: int = 1) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists public")
    con.execute(f"create or replace table public.pub_a as select range as record_count from range({count})")
    con.execute("comment on table public.pub_a is 'Table A.'")
    con.execute("comment on column public.pub_a.record_count is 'Records, perturbed.'")
    con.close()
    return path


def _rows(database: Path) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select count(*) from public.pub_a").fetchone()[0]
    finally:
        con.close()


def _landing(folder: Path) -> Path:
    (folder / "doc").mkdir(parents=True)
    (folder / "doc" / "INMATE.csv").write_text("id\n1\n", encoding="utf-8")
    return folder


def test_each_publication_is_a_release_and_the_stable_name_follows_the_current_one(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb", 1)
    landing = _landing(tmp_path / "landing")
    out = tmp_path / "out"
    first = publish(warehouse, out, landing_dir=landing, as_of="2026-07-01")
    _warehouse(warehouse, 3)
    second = publish(warehouse, out, landing_dir=landing, as_of="2026-07-01")
    assert first.release_id != second.release_id
    assert current_id(out) == second.release_id
    assert [release.id for release in list_releases(out)] == [second.release_id, first.release_id]
    # The stable name reads the current release; the earlier one is kept as it was.
    assert _rows(out / "crosstrack_public.duckdb") == 3
    assert _rows(first.release_dir / "crosstrack_public.duckdb") == 1
    assert sorted(p.name for p in (out / "parquet").iterdir()) == ["pub_a.parquet"]
    record = json.loads((second.release_dir / "release.json").read_text())
    assert record["id"] == second.release_id and record["as_of"] == "2026-07-01"
    assert record["row_counts"] == {"pub_a": 3}
    assert record["code_version"]
    digest = hashlib.sha256((landing / "doc" / "INMATE.csv").read_bytes()).hexdigest()
    assert record["delivery_checksums"] == {"doc/INMATE.csv": digest}
    # Immutable: no file of a release can be written.
    assert all(not os.stat(p).st_mode & 0o222 for p in second.release_dir.rglob("*") if p.is_file())


def test_a_publish_folder_of_the_older_layout_becomes_links_to_the_first_release(tmp_path):
    out = tmp_path / "out"
    (out / "parquet").mkdir(parents=True)
    (out / "parquet" / "pub_old.parquet").write_bytes(b"old")
    duckdb.connect(str(out / "crosstrack_public.duckdb")).close()
    release = publish(_warehouse(tmp_path / "w.duckdb", 2), out)
    assert (out / "crosstrack_public.duckdb").is_symlink() and (out / "parquet").is_symlink()
    assert _rows(out / "crosstrack_public.duckdb") == 2
    assert sorted(p.name for p in (out / "parquet").iterdir()) == ["pub_a.parquet"]
    assert (out / "parquet").resolve() == (release.release_dir / "parquet").resolve()


def test_a_refused_publication_leaves_the_current_release_and_no_partial_folder(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "out"
    first = publish(warehouse, out)
    con = duckdb.connect(str(warehouse))
    con.execute("create table public.pub_leak as select 'x' as sid")
    con.close()
    with pytest.raises(PublishError, match=r"pub_leak\.sid"):
        publish(warehouse, out)
    assert current_id(out) == first.release_id
    assert sorted(p.name for p in (out / "releases").iterdir()) == [first.release_id]


def test_the_history_records_what_changed_and_the_changelog_says_it(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb", 1)
    out = tmp_path / "out"
    first = publish(warehouse, out, as_of="2026-04-01")
    _warehouse(warehouse, 2)
    second = publish(warehouse, out, as_of="2026-07-01")
    history = read_history(out)
    assert [entry["id"] for entry in history] == [first.release_id, second.release_id]
    assert history[0]["changes"] == {"first_release": True}
    changes = history[1]["changes"]
    assert changes["previous"] == first.release_id
    assert changes["as_of"] == ["2026-04-01", "2026-07-01"]
    assert changes["row_counts"] == {"pub_a": [1, 2]}
    changelog = (out / "CHANGELOG.md").read_text()
    assert "pub_a: 1 -> 2 rows" in changelog and "as_of 2026-04-01 -> 2026-07-01" in changelog


def test_pruning_keeps_the_last_n_the_current_and_the_pinned_releases(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "out"
    ids = [publish(warehouse, out).release_id for _ in range(4)]
    set_pinned(out, ids[0], True)
    assert prune(out, keep=2) == [ids[1]]
    assert {release.id for release in list_releases(out)} == {ids[0], ids[2], ids[3]}
    assert [entry.get("pruned", False) for entry in read_history(out)] == [False, True, False, False]
    set_pinned(out, ids[0], False)
    assert prune(out, keep=1) == [ids[2], ids[0]]
    assert current_id(out) == ids[3] and (out / "crosstrack_public.duckdb").exists()
    with pytest.raises(ReleaseError):
        prune(out, keep=0)


def test_the_release_command_lists_pins_and_prunes(tmp_path, capsys):
    warehouse = _warehouse(tmp_path / "w.duckdb")
    out = tmp_path / "out"
    assert main(["publish", "--warehouse", str(warehouse), "--publish-dir", str(out), "--as-of", "2026-07-01"]) == 0
    (release_id,) = [release.id for release in list_releases(out)]
    assert main(["release", "pin", release_id, "--publish-dir", str(out)]) == 0
    capsys.readouterr()
    assert main(["release", "list", "--publish-dir", str(out)]) == 0
    assert f"{release_id}  as_of 2026-07-01" in capsys.readouterr().out
    assert main(["release", "pin", "2026-01-01_20260101T000000Z", "--publish-dir", str(out)]) == 2
    assert json.loads((out / HISTORY).read_text())["releases"][0]["pinned"] is True


def test_comments_reach_the_published_file_and_the_parquet_metadata(tmp_path):
    release = publish(_warehouse(tmp_path / "w.duckdb"), tmp_path / "out")
    con = duckdb.connect(str(release.database), read_only=True)
    assert con.execute("select comment from duckdb_tables() where table_name = 'pub_a'").fetchone() == ("Table A.",)
    assert con.execute("select comment from duckdb_columns() where table_name = 'pub_a'").fetchall() == [
        ("Records, perturbed.",)
    ]
    con.close()
    metadata = pq.read_metadata(release.parquet_dir / "pub_a.parquet").metadata
    assert metadata[b"description"] == b"Table A."
    assert json.loads(metadata[b"column_descriptions"]) == {"record_count": "Records, perturbed."}


def test_the_downloads_bundle_holds_a_csv_per_table_and_a_readme_with_the_protection_note(tmp_path, api_public_db):
    release = publish(api_public_db, tmp_path / "out")
    downloads = release.release_dir / "downloads"
    tables = duckdb.connect(str(release.database), read_only=True).execute(
        "select table_name from duckdb_tables() order by 1"
    )
    expected = [f"{table}.csv" for (table,) in tables.fetchall()]
    (bundle,) = downloads.glob("*_csv.zip")
    with zipfile.ZipFile(bundle) as archive:
        assert sorted(name for name in archive.namelist() if name.endswith(".csv")) == expected
        readme = archive.read("README.md").decode()
    assert readme == (downloads / "README.md").read_text()
    assert "suppressed" in readme and "perturbation" in readme
    assert "as_of (the date cohort windows are relative to): 2026-07-01" in readme
    assert "### pub_custodial_population (the custodial cube)" in readme
    (parquet,) = downloads.glob("*_parquet.zip")
    with zipfile.ZipFile(parquet) as archive:
        assert "parquet/pub_custodial_population.parquet" in archive.namelist()


# ---- the API --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory, api_public_db, deployment_secret) -> tuple[Path, str, str]:
    """A publish folder with an earlier release (as_of EARLIER_AS_OF) and the current one (the fixture's), published
    once for the module (the tests only read it)."""
    root = tmp_path_factory.mktemp("two_releases")
    out = root / "published"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_FILE_ENV, str(deployment_secret.path))
        earlier = publish(build_public_db(root / "earlier.duckdb", as_of=EARLIER_AS_OF), out)
        current = publish(api_public_db, out)
    return out, earlier.release_id, current.release_id


@pytest.fixture
def releases_client(two_releases, api_settings) -> TestClient:
    out = two_releases[0]
    settings = api_settings.model_copy(update={"public_db": out / "crosstrack_public.duckdb"})
    with TestClient(create_app(settings)) as client:
        yield client


def test_the_api_lists_the_releases_with_their_downloads(releases_client, two_releases):
    _, earlier, current = two_releases
    answer = releases_client.get("/api/releases")
    assert answer.status_code == 200
    listed = answer.json()
    assert [(entry["id"], entry["current"]) for entry in listed] == [(current, True), (earlier, False)]
    assert listed[1]["as_of"] == EARLIER_AS_OF
    assert set(listed[0]) == {"id", "as_of", "published_at", "current", "downloads"}
    for entry in listed:
        formats = {download["format"] for download in entry["downloads"]}
        assert formats == {"csv", "parquet", "duckdb", "markdown"}
        for download in entry["downloads"]:
            assert set(download) == {"name", "format", "bytes", "url"}
            assert download["url"].endswith(f"/downloads/{entry['id']}/{download['name']}")
            served = releases_client.get(f"/downloads/{entry['id']}/{download['name']}")
            assert served.status_code == 200 and len(served.content) == download["bytes"]
    readme = releases_client.get(f"/downloads/{earlier}/README.md").text
    assert f"as_of (the date cohort windows are relative to): {EARLIER_AS_OF}" in readme


@pytest.mark.parametrize(
    "path",
    [
        "/downloads/{id}/release.json",  # in the release, not in its downloads
        "/downloads/{id}/..%2Frelease.json",
        "/downloads/{id}/%2E%2E%2F%2E%2E%2Freleases.json",
        "/downloads/..%2F{id}/README.md",
        "/downloads/{id}/../../releases.json",
        "/downloads/..%2F..%2F/etc%2Fpasswd",
        "/downloads/2026-01-01_20260101T000000Z/README.md",  # well-formed, not a release
        "/downloads/{id}/missing.zip",
    ],
)
def test_downloads_serve_only_files_of_a_release_downloads_folder(releases_client, two_releases, path):
    answer = releases_client.get(path.format(id=two_releases[1]))
    assert answer.status_code == 404
    assert "Cross-Tracking public release" not in answer.text and "row_counts" not in answer.text


def test_a_query_can_name_a_release_and_defaults_to_the_current_one(releases_client, two_releases):
    _, earlier, current = two_releases
    query = "/api/v1/query?cohort=custodial&dims=agency"
    assert releases_client.get(query).json()["as_of"] == "2026-07-01"
    assert releases_client.get(f"{query}&release={current}").json()["as_of"] == "2026-07-01"
    named = releases_client.get(f"{query}&release={earlier}").json()
    assert named["as_of"] == EARLIER_AS_OF
    assert f"release={earlier}" in named["query_url"] and f"release={earlier}" in named["csv_url"]
    unknown = releases_client.get(f"{query}&release=2020-01-01_20200101T000000Z")
    assert unknown.status_code == 404 and unknown.json()["parameter"] == "release"
    bad = releases_client.get(f"{query}&release=..%2F..%2Fetc")
    assert bad.status_code == 400 and bad.json()["parameter"] == "release"


def test_the_api_answers_from_a_publish_folder_of_the_older_layout(tmp_path, api_public_db, api_settings):
    """A plain file (no releases folder yet) still serves, and lists no release."""
    settings = api_settings.model_copy(update={"public_db": api_public_db})
    with TestClient(create_app(settings)) as client:
        assert client.get("/api/releases").json() == []
        assert client.get("/api/v1/query?cohort=custodial").status_code == 200


@pytest.mark.parametrize("release_id, file", [("{id}", "../release.json"), ("{id}/..", "release.json"), ("..", "..")])
def test_the_download_route_itself_refuses_a_path_out_of_the_downloads_folder(
    two_releases, api_settings, release_id, file
):
    """Beneath the router (which never hands it a '/'): a name that the downloads folder does not list is refused."""
    out, earlier, _ = two_releases
    settings = api_settings.model_copy(update={"public_db": out / "crosstrack_public.duckdb"})
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []})
    with pytest.raises(ApiError) as refused:
        releases_router.download(request, settings, release_id.format(id=earlier), file)
    assert refused.value.status == 404


# ---- ?release= on every endpoint that describes a release, over HTTP -------------------------------------------


@pytest.fixture(scope="module")
def served_releases(tmp_path_factory, api_public_db, deployment_secret) -> Iterator[tuple[str, str, str, str]]:
    """The API over HTTP on a publish folder of three releases: one pruned (as_of EARLIER_AS_OF), an earlier kept one
    (as_of EARLIER_AS_OF) and the current one (the fixture's, as_of 2026-07-01). Yields (base URL, pruned, earlier,
    current)."""
    root = tmp_path_factory.mktemp("served_releases")
    out = root / "published"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_FILE_ENV, str(deployment_secret.path))
        earlier_db = build_public_db(root / "earlier.duckdb", as_of=EARLIER_AS_OF)
        pruned = publish(earlier_db, out).release_id
        earlier = publish(earlier_db, out).release_id
        current = publish(api_public_db, out, keep=2).release_id
    assert [entry.get("pruned", False) for entry in read_history(out)] == [True, False, False]
    port = free_port()
    app = create_app(served_settings(root, out / "crosstrack_public.duckdb", port))
    with serving(app, port) as base:
        yield base, pruned, earlier, current


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/cohorts", "/api/v1/query?cohort=custodial&dims=agency"])
def test_every_endpoint_describing_a_release_answers_for_the_named_one(served_releases, path):
    base, _, earlier, current = served_releases
    joiner = "&" if "?" in path else "?"
    default_status, default = _get(f"{base}{path}")
    named_status, named = _get(f"{base}{path}{joiner}release={earlier}")
    current_status, as_current = _get(f"{base}{path}{joiner}release={current}")
    assert (default_status, named_status, current_status) == (200, 200, 200)
    assert default["as_of"] == as_current["as_of"] == "2026-07-01"
    assert named["as_of"] == EARLIER_AS_OF
    if "release" in default:  # /healthz and /api/v1/cohorts say which release they describe
        assert (default["release"], as_current["release"], named["release"]) == (current, current, earlier)
    else:
        assert f"release={earlier}" in named["query_url"]


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/cohorts", "/api/v1/query?cohort=custodial"])
def test_an_unknown_a_pruned_and_an_ill_formed_release_are_refused_alike(served_releases, path):
    base, pruned, _, _ = served_releases
    joiner = "&" if "?" in path else "?"
    for release_id in ("2020-01-01_20200101T000000Z", pruned):
        status, body = _get(f"{base}{path}{joiner}release={release_id}")
        assert status == 404 and body["parameter"] == "release"
        assert release_id in body["error"]
    status, body = _get(f"{base}{path}{joiner}release=..%2F..%2Fetc")
    assert status == 400 and body["parameter"] == "release"


def test_the_checksums_come_from_the_manifest_the_warehouse_carries_and_a_given_landing_must_match(tmp_path):
    landing = _landing(tmp_path / "landing")
    digest = hashlib.sha256((landing / "doc" / "INMATE.csv").read_bytes()).hexdigest()
    gate = tmp_path / "quality"
    gate.mkdir()
    manifest = {
        "contract_version": "1",
        "extract_date": "2026-07-01",
        "files": {"doc/INMATE.csv": {"rows": 1, "bytes": 5, "sha256": digest, "columns": ["id"]}},
    }
    (gate / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    warehouse = _warehouse(tmp_path / "w.duckdb")
    record_manifest(warehouse, gate)
    out = tmp_path / "out"
    carried = publish(warehouse, out)  # no delivery at hand
    assert json.loads((carried.release_dir / "release.json").read_text())["delivery_checksums"] == {
        "doc/INMATE.csv": digest
    }
    (landing / "doc" / "INMATE.csv").write_text("id\n2\n", encoding="utf-8")
    with pytest.raises(PublishError, match=r"doc/INMATE\.csv has sha256 [0-9a-f]{64}, the warehouse's manifest"):
        publish(warehouse, out, landing_dir=landing)
    assert [release.id for release in list_releases(out)] == [carried.release_id]
