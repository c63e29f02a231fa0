"""Abuse limits (issue 11, part 3): failed key checks are limited per client address and per key id, refused with
429 and Retry-After before the scrypt check is paid for; restricted lookups are limited per key."""

from __future__ import annotations

import pytest
from api_fixtures import ALPHA
from fastapi.testclient import TestClient

from crosstrack.api import create_app, keys
from crosstrack.settings import Settings

TIMELINE = f"/api/v1/restricted/persons/{ALPHA}/timeline"
JUNK = "ctk_0123456789abcdef_" + "x" * 43


def counting_scrypt(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = keys._hash_secret

    def counted(secret: str, salt: bytes) -> bytes:
        calls.append(1)
        return real(secret, salt)

    monkeypatch.setattr(keys, "_hash_secret", counted)
    return calls


@pytest.fixture
def limited(api_settings: Settings) -> Settings:
    return api_settings.model_copy(
        update={
            "api_failed_key_limit": "3/minute",
            "api_restricted_limit": "4/minute",
            "api_trusted_proxies": "testclient",
        }
    )


def test_junk_keys_from_one_address_get_429_without_a_scrypt_check(
    limited: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    scrypt = counting_scrypt(monkeypatch)
    with TestClient(create_app(limited)) as client:
        statuses = [
            client.get(TIMELINE, headers={"X-API-Key": f"junk-{n}", "X-Forwarded-For": "198.51.100.7"}).status_code
            for n in range(8)
        ]
        refused = client.get(TIMELINE, headers={"X-API-Key": "junk", "X-Forwarded-For": "198.51.100.7"})
        other = client.get(TIMELINE, headers={"X-API-Key": "junk", "X-Forwarded-For": "198.51.100.8"})
    assert statuses == [401] * 3 + [429] * 5
    assert len(scrypt) == 3 + 1  # the refused attempts cost no scrypt; the other address's first attempt does
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["parameter"] == "X-API-Key"
    assert other.status_code == 401  # the limit is per address


def test_guessing_the_secret_of_one_key_id_is_limited_across_addresses(limited: Settings, restricted_key: str) -> None:
    key_id = keys.key_id_of(restricted_key)
    forged = f"ctk_{key_id}_" + "A" * 43
    with TestClient(create_app(limited)) as client:
        statuses = [
            client.get(TIMELINE, headers={"X-API-Key": forged, "X-Forwarded-For": f"198.51.100.{n}"}).status_code
            for n in range(5)
        ]
        unrelated = client.get(TIMELINE, headers={"X-API-Key": JUNK, "X-Forwarded-For": "198.51.100.99"})
    assert statuses == [401] * 3 + [429] * 2
    assert unrelated.status_code == 401


def test_restricted_lookups_are_limited_per_key(limited: Settings, restricted_key: str, public_role_key: str) -> None:
    with TestClient(create_app(limited)) as client:
        statuses = [client.get(TIMELINE, headers={"X-API-Key": restricted_key}).status_code for _ in range(6)]
        response = client.get(TIMELINE, headers={"X-API-Key": restricted_key})
    assert statuses == [200] * 4 + [429] * 2
    assert int(response.headers["retry-after"]) >= 1


def test_a_refusal_for_too_many_attempts_is_audited(limited: Settings) -> None:
    with TestClient(create_app(limited)) as client:
        for _ in range(4):
            client.get(TIMELINE, headers={"X-API-Key": JUNK})
    statuses = [line.split('"status": ')[1].rstrip("}") for line in limited.audit_log.read_text().splitlines()]
    assert statuses == ["401", "401", "401", "429"]


def test_the_limits_hold_across_the_workers_of_one_server(limited: Settings) -> None:
    # Two application instances on the same settings stand for two worker processes of one server.
    with TestClient(create_app(limited)) as first, TestClient(create_app(limited)) as second:
        statuses = [
            (first if n % 2 else second).get(TIMELINE, headers={"X-API-Key": f"junk-{n}"}).status_code for n in range(6)
        ]
    assert statuses == [401] * 3 + [429] * 3
