"""The restricted endpoint (R-PUB-1: person level, cleared users only): keys, roles, and the audit log."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from api_fixtures import ALPHA, BETA, NOBODY, TIMELINE_PEOPLE
from fastapi.testclient import TestClient

from crosstrack.api import create_app
from crosstrack.api.keys import SCRYPT, read_keys
from crosstrack.cli import main
from crosstrack.settings import Settings

TIMELINE = "/api/v1/restricted/persons/{}/timeline"
AUDIT_FIELDS = {"timestamp", "key_id", "key_name", "role", "client", "method", "path", "person_key", "status"}


def audit_lines(settings: Settings) -> list[dict]:
    if not settings.audit_log.exists():
        return []
    return [json.loads(line) for line in settings.audit_log.read_text().splitlines()]


def test_no_key_is_a_401_and_is_audited(api_client: TestClient, api_settings: Settings) -> None:
    response = api_client.get(TIMELINE.format(ALPHA))
    assert response.status_code == 401
    assert response.json()["parameter"] == "X-API-Key"
    (entry,) = audit_lines(api_settings)
    assert set(entry) == AUDIT_FIELDS
    assert entry["key_name"] is None and entry["role"] is None
    assert (entry["status"], entry["person_key"], entry["method"]) == (401, ALPHA, "GET")
    assert entry["path"] == TIMELINE.format(ALPHA)
    assert entry["client"]


@pytest.mark.parametrize(
    "presented",
    ["nonsense", "ctk_0123456789abcdef_" + "x" * 43, ""],
)
def test_an_unknown_or_malformed_key_is_a_401(
    api_client: TestClient, api_settings: Settings, restricted_key: str, presented: str
) -> None:
    response = api_client.get(TIMELINE.format(ALPHA), headers={"X-API-Key": presented})
    assert response.status_code == 401
    assert audit_lines(api_settings)[-1]["status"] == 401


def test_a_wrong_secret_for_a_real_key_id_is_a_401(
    api_client: TestClient, api_settings: Settings, restricted_key: str
) -> None:
    forged = restricted_key[:-4] + ("AAAA" if not restricted_key.endswith("AAAA") else "BBBB")
    assert api_client.get(TIMELINE.format(ALPHA), headers={"X-API-Key": forged}).status_code == 401
    assert audit_lines(api_settings)[-1]["key_name"] is None


@pytest.mark.rules("R-PUB-1")
def test_a_key_of_another_role_is_a_403(api_client: TestClient, api_settings: Settings, public_role_key: str) -> None:
    response = api_client.get(TIMELINE.format(ALPHA), headers={"X-API-Key": public_role_key})
    assert response.status_code == 403
    entry = audit_lines(api_settings)[-1]
    assert (entry["key_name"], entry["role"], entry["status"]) == ("dashboard", "public", 403)


@pytest.mark.rules("R-PUB-1")
def test_a_restricted_key_reads_the_timeline_in_order(
    api_client: TestClient, api_settings: Settings, api_restricted_db: Path, restricted_key: str
) -> None:
    response = api_client.get(TIMELINE.format(ALPHA), headers={"X-API-Key": restricted_key})
    assert response.status_code == 200, response.text
    body = response.json()
    con = duckdb.connect(str(api_restricted_db), read_only=True)
    try:
        expected = con.execute(
            "select event_type, source_event_id from restricted.person_timeline where person_key = ? "
            "order by event_sequence",
            [ALPHA],
        ).fetchall()
    finally:
        con.close()
    assert body["event_count"] == len(TIMELINE_PEOPLE[ALPHA]) == len(expected)
    assert [(event["event_type"], event["source_event_id"]) for event in body["events"]] == expected
    assert body["events"][0]["event_date"] == TIMELINE_PEOPLE[ALPHA][0][0]
    entry = audit_lines(api_settings)[-1]
    assert (entry["key_name"], entry["role"], entry["status"], entry["person_key"]) == (
        "analyst",
        "restricted",
        200,
        ALPHA,
    )


def test_an_unknown_person_is_a_404_and_is_audited(
    api_client: TestClient, api_settings: Settings, restricted_key: str
) -> None:
    response = api_client.get(TIMELINE.format(NOBODY), headers={"X-API-Key": restricted_key})
    assert response.status_code == 404
    assert audit_lines(api_settings)[-1]["status"] == 404


@pytest.mark.rules("R-PUB-1")
def test_every_attempt_allowed_or_refused_is_in_the_audit_log(
    api_client: TestClient, api_settings: Settings, restricted_key: str, public_role_key: str
) -> None:
    attempts = [
        (ALPHA, None, 401),
        (ALPHA, "wrong", 401),
        (BETA, public_role_key, 403),
        (BETA, restricted_key, 200),
        ("bad key!", restricted_key, 400),
        (ALPHA, restricted_key, 200),
    ]
    for person_key, key, status in attempts:
        headers = {"X-API-Key": key} if key else {}
        assert api_client.get(TIMELINE.format(person_key), headers=headers).status_code == status
    entries = audit_lines(api_settings)
    # A malformed person_key is refused and not written down (it could be a SID or a name).
    assert [(entry["person_key"], entry["status"]) for entry in entries] == [
        (person_key if status != 400 else None, status) for person_key, _, status in attempts
    ]
    assert all(set(entry) == AUDIT_FIELDS for entry in entries)


@pytest.mark.rules("R-PUB-5")
@pytest.mark.parametrize("role_key", ["none", "restricted_key", "public_role_key"])
@pytest.mark.parametrize("identifier", ["01007175", "sid:01007175", "NGUYEN|JOSEPH|2004-01-07", "pk_01007175"])
def test_the_audit_log_never_holds_an_identifier_used_as_a_person_key(
    api_client: TestClient, api_settings: Settings, request: pytest.FixtureRequest, role_key: str, identifier: str
) -> None:
    """Only a person key (pk_ and 32 random hex digits) is recorded; a SID, an anchor or a name in the path is
    refused (400 for a reader, 401/403 otherwise) and the audit line holds neither it nor the path it was in."""
    key = None if role_key == "none" else request.getfixturevalue(role_key)
    headers = {"X-API-Key": key} if key else {}
    response = api_client.get(TIMELINE.format(identifier), headers=headers)
    assert response.status_code == {"none": 401, "restricted_key": 400, "public_role_key": 403}[role_key]
    (line,) = api_settings.audit_log.read_text().splitlines()
    assert "01007175" not in line and "NGUYEN" not in line
    entry = json.loads(line)
    assert entry["person_key"] is None
    assert entry["path"] == "/api/v1/restricted/persons/{person_key}/timeline"


def test_a_missing_warehouse_is_a_503_and_is_audited(
    tmp_path: Path, api_public_db: Path, api_settings: Settings, restricted_key: str
) -> None:
    settings = Settings(
        public_db=api_public_db,
        db=tmp_path / "absent.duckdb",
        api_keys=api_settings.api_keys,
        audit_log=api_settings.audit_log,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get(TIMELINE.format(ALPHA), headers={"X-API-Key": restricted_key}).status_code == 503
    assert audit_lines(settings)[-1]["status"] == 503


@pytest.mark.rules("R-PUB-1")
def test_a_key_does_not_open_restricted_data_through_public_endpoints(
    api_client: TestClient, restricted_key: str
) -> None:
    headers = {"X-API-Key": restricted_key}
    for params in ({"cohort": "person_timeline"}, {"cohort": "custodial", "dims": "person_key"}):
        assert api_client.get("/api/v1/query", params=params, headers=headers).status_code == 400


# ---- crosstrack apikey -----------------------------------------------------------------------------------------


def test_apikey_add_prints_the_key_once_and_stores_only_its_hash(
    api_client: TestClient, api_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    keys_file = str(api_settings.api_keys)
    assert main(["apikey", "--keys", keys_file, "add", "--name", "records office", "--role", "restricted"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    secret = key.removeprefix("ctk_")[17:]  # ctk_<16 hex id>_<secret>; the secret may itself hold "_"
    stored_text = api_settings.api_keys.read_text()
    assert key not in stored_text and secret not in stored_text
    (stored,) = read_keys(api_settings.api_keys)
    assert stored.name == "records office" and stored.role == "restricted"
    assert stored.hash == hashlib.scrypt(secret.encode(), salt=bytes.fromhex(stored.salt), **SCRYPT).hex()
    assert api_settings.api_keys.stat().st_mode & 0o077 == 0  # owner only

    assert main(["apikey", "--keys", keys_file, "list"]) == 0
    listing = capsys.readouterr().out
    assert "records office" in listing and secret not in listing and stored.hash not in listing

    assert api_client.get(TIMELINE.format(ALPHA), headers={"X-API-Key": key}).status_code == 200


def test_two_keys_get_different_salts(api_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("first", "second"):
        assert main(["apikey", "--keys", str(api_settings.api_keys), "add", "--name", name]) == 0
    first, second = read_keys(api_settings.api_keys)
    assert first.salt != second.salt and first.hash != second.hash


def test_a_revoked_key_is_refused_at_once(
    api_client: TestClient, api_settings: Settings, restricted_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    headers = {"X-API-Key": restricted_key}
    assert api_client.get(TIMELINE.format(ALPHA), headers=headers).status_code == 200
    assert main(["apikey", "--keys", str(api_settings.api_keys), "revoke", "analyst"]) == 0
    assert api_client.get(TIMELINE.format(ALPHA), headers=headers).status_code == 401
    (stored,) = read_keys(api_settings.api_keys)
    assert stored.revoked_at is not None


@pytest.mark.parametrize(
    "arguments",
    [["add", "--name", "x", "--role", "admin"], ["add", "--name", ""], ["revoke", "nobody"]],
)
def test_apikey_refuses_bad_requests(
    api_settings: Settings, arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apikey", "--keys", str(api_settings.api_keys), *arguments]) == 2
    assert "error" in capsys.readouterr().err
