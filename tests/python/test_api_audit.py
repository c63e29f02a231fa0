"""The audit log is complete and fails closed (issue 11, part 4): every request under the restricted prefix is
written down whatever answered it; the client is the socket's peer unless a configured proxy names another; an
access that cannot be recorded is refused with 503 and nothing is disclosed."""

from __future__ import annotations

import json

import pytest
from api_fixtures import ALPHA, TIMELINE_PEOPLE
from fastapi.testclient import TestClient

from crosstrack.api import create_app
from crosstrack.settings import Settings

TIMELINE = f"/api/v1/restricted/persons/{ALPHA}/timeline"


def audit_lines(settings: Settings) -> list[dict]:
    if not settings.audit_log.exists():
        return []
    return [json.loads(line) for line in settings.audit_log.read_text().splitlines()]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", TIMELINE, 405),
        ("PUT", TIMELINE, 405),
        ("DELETE", TIMELINE, 405),
        ("OPTIONS", TIMELINE, 405),
        ("HEAD", TIMELINE, 405),
        ("GET", TIMELINE + "/", 307),
        ("GET", "/api/v1/restricted", 404),
        ("GET", "/api/v1/restricted/persons/01007175", 404),
        ("GET", "/api/v1/restricted/anything/else", 404),
    ],
)
def test_every_restricted_request_is_audited_whatever_answers_it(
    api_client: TestClient, api_settings: Settings, restricted_key: str, method: str, path: str, status: int
) -> None:
    response = api_client.request(method, path, headers={"X-API-Key": restricted_key}, follow_redirects=False)
    assert response.status_code == status
    (entry,) = audit_lines(api_settings)
    assert (entry["method"], entry["status"]) == (method, status)
    assert "01007175" not in json.dumps(entry)  # an identifier in a path is never written down


def test_a_public_request_is_not_audited(api_client: TestClient, api_settings: Settings) -> None:
    assert api_client.get("/api/v1/cohorts").status_code == 200
    assert audit_lines(api_settings) == []


def test_a_forwarded_for_header_does_not_replace_the_client_without_a_trusted_proxy(
    api_client: TestClient, api_settings: Settings, restricted_key: str
) -> None:
    api_client.get(TIMELINE, headers={"X-API-Key": restricted_key, "X-Forwarded-For": "203.0.113.9"})
    (entry,) = audit_lines(api_settings)
    assert entry["client"].startswith("testclient:")  # the socket's peer (TestClient's)


def test_a_trusted_proxy_names_the_client(api_settings: Settings, restricted_key: str) -> None:
    settings = api_settings.model_copy(update={"api_trusted_proxies": "testclient"})
    with TestClient(create_app(settings)) as client:
        client.get(TIMELINE, headers={"X-API-Key": restricted_key, "X-Forwarded-For": "203.0.113.9"})
    (entry,) = audit_lines(settings)
    assert entry["client"].startswith("203.0.113.9:")


def test_an_access_that_cannot_be_recorded_is_refused_and_discloses_nothing(
    api_settings: Settings, restricted_key: str
) -> None:
    api_settings.audit_log.mkdir()  # a directory where the log should be: every write fails
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as client:
        response = client.get(TIMELINE, headers={"X-API-Key": restricted_key})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert "audit" in response.json()["error"]
    for event in TIMELINE_PEOPLE[ALPHA]:
        assert event[-1] not in response.text and event[6] not in response.text


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_switches_off_uvicorns_own_trust_in_forwarded_headers_and_its_access_log(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 by default; the server must leave that to the app's setting.

    uvicorn's access log would also write every client's address to the server's output."""
    import uvicorn

    from crosstrack.cli import main

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    for name, value in api_settings.environment("public_db", "db", "api_keys", "audit_log").items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--port", "8123", "--workers", str(workers)]) == 0
    (options,) = calls
    assert options["proxy_headers"] is False
    assert options["access_log"] is False
