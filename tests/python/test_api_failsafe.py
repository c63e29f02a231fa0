"""The API fails safe on a bad file (issue 11, part 1): a damaged, unreadable or incomplete public release or
warehouse answers 503 with a JSON error naming the problem, never a stack trace; the open is retried after a
back-off, not on every request; /healthz reads the catalog and a row of every cube."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import pytest
from api_fixtures import ALPHA, build_public_db
from fastapi.testclient import TestClient

from crosstrack.api import create_app, database
from crosstrack.api.routers import public as public_routes
from crosstrack.settings import Settings

QUERY = "/api/v1/query?cohort=custodial&dims=agency"
PUBLIC_PATHS = ("/healthz", "/api/v1/cohorts", QUERY)


def damaged_copy(source: Path, target: Path) -> Path:
    """`source` with 4 KiB of garbage in every 64 KiB after the header (as a failing disk or a bad copy leaves it)."""
    data = bytearray(source.read_bytes())
    garbage = random.Random(7)
    for offset in range(8192, len(data), 64 * 1024):
        chunk = len(data[offset : offset + 4096])
        data[offset : offset + chunk] = garbage.randbytes(chunk)
    target.write_bytes(bytes(data))
    return target


def settings_for(tmp_path: Path, public_db: Path, warehouse: Path | None = None) -> Settings:
    return Settings(
        public_db=public_db,
        db=warehouse or tmp_path / "none.duckdb",
        api_keys=tmp_path / "keys.json",
        audit_log=tmp_path / "audit.log",
    )


def counting_opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    opened: list[Path] = []
    real_open = database.open_read_only

    def open_and_count(path: Path) -> duckdb.DuckDBPyConnection:
        opened.append(path)
        return real_open(path)

    monkeypatch.setattr(database, "open_read_only", open_and_count)
    return opened


def test_a_damaged_release_is_a_json_503_naming_the_problem_everywhere(tmp_path: Path, api_public_db: Path) -> None:
    bad = damaged_copy(api_public_db, tmp_path / "crosstrack_public.duckdb")
    with TestClient(create_app(settings_for(tmp_path, bad)), raise_server_exceptions=False) as client:
        for path in PUBLIC_PATHS:
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["content-type"] == "application/json"
            assert "damaged" in response.json()["error"]
            assert "Traceback" not in response.text and str(tmp_path) not in response.text


def test_a_bad_file_is_not_reopened_on_every_request(
    tmp_path: Path, api_public_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = counting_opens(monkeypatch)
    bad = damaged_copy(api_public_db, tmp_path / "crosstrack_public.duckdb")
    with TestClient(create_app(settings_for(tmp_path, bad))) as client:
        statuses = [client.get(path).status_code for path in PUBLIC_PATHS * 5]
    assert set(statuses) == {503}
    assert len(opened) == 1  # the other 14 requests waited for the back-off


def test_the_back_off_doubles_and_a_replaced_file_is_tried_at_once(
    tmp_path: Path, api_public_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(database.time, "monotonic", lambda: clock[0])
    opened = counting_opens(monkeypatch)
    published = damaged_copy(api_public_db, tmp_path / "crosstrack_public.duckdb")
    with TestClient(create_app(settings_for(tmp_path, published))) as client:
        assert client.get("/healthz").status_code == 503
        clock[0] += database.RETRY_FIRST_S + 0.01
        assert client.get("/healthz").status_code == 503
        assert len(opened) == 2
        clock[0] += database.RETRY_FIRST_S + 0.01  # less than the doubled delay
        assert client.get("/healthz").status_code == 503
        assert len(opened) == 2
        shutil.copyfile(api_public_db, tmp_path / "next.duckdb")
        (tmp_path / "next.duckdb").replace(published)  # publication: a new file, tried without waiting
        assert client.get("/healthz").status_code == 200
        assert len(opened) == 3


def test_healthz_reads_a_row_of_every_cube_and_names_the_release(api_client: TestClient) -> None:
    body = api_client.get("/healthz").json()
    catalog = api_client.get("/api/v1/cohorts").json()
    assert body["status"] == "ok"
    assert body["cubes"] == len(catalog["cohorts"]) and body["cubes"] > 0
    assert (body["as_of"], body["published_at"]) == (catalog["as_of"], catalog["published_at"])


def test_healthz_is_unhealthy_when_a_cube_cannot_be_read(tmp_path: Path) -> None:
    published = build_public_db(tmp_path / "crosstrack_public.duckdb")
    with duckdb.connect(str(published)) as con:
        con.execute("delete from public.pub_recidivism")
    with TestClient(create_app(settings_for(tmp_path, published))) as client:
        assert client.get("/api/v1/cohorts").status_code == 200  # the catalog alone is readable
        response = client.get("/healthz")
    assert response.status_code == 503
    assert "recidivism" in response.json()["error"]


def test_a_read_error_in_a_query_is_a_503_and_the_file_is_reopened_after_the_back_off(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(database.time, "monotonic", lambda: clock[0])
    opened = counting_opens(monkeypatch)
    real_answer = public_routes._query_answer

    def failing_answer(*args: object) -> object:
        raise duckdb.IOException("Could not read from file /secret/path: Input/output error")

    with TestClient(create_app(api_settings)) as client:
        assert client.get("/healthz").status_code == 200
        monkeypatch.setattr(public_routes, "_query_answer", failing_answer)
        response = client.get(QUERY)
        assert response.status_code == 503
        assert "I/O error" in response.json()["error"] and "/secret/path" not in response.text
        monkeypatch.setattr(public_routes, "_query_answer", real_answer)
        assert client.get(QUERY).status_code == 503  # within the back-off: not reopened
        assert len(opened) == 1
        clock[0] += database.RETRY_FIRST_S + 0.01
        assert client.get(QUERY).status_code == 200
        assert len(opened) == 2


def test_a_damaged_warehouse_is_a_503_for_the_restricted_timeline(
    tmp_path: Path, api_public_db: Path, api_restricted_db: Path, restricted_key: str, api_settings: Settings
) -> None:
    warehouse = damaged_copy(api_restricted_db, tmp_path / "crosstrack.duckdb")
    settings = api_settings.model_copy(update={"db": warehouse})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get(f"/api/v1/restricted/persons/{ALPHA}/timeline", headers={"X-API-Key": restricted_key})
    assert response.status_code == 503
    assert "restricted warehouse" in response.json()["error"]


def test_an_unexpected_error_is_a_json_500_without_a_trace(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(public_routes, "_query_answer", broken)
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as client:
        response = client.get(QUERY)
    assert response.status_code == 500
    assert response.json() == {"error": "internal error", "parameter": None}
