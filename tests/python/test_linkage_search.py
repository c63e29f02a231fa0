"""The restricted person search (GET /api/v1/restricted/person-search): access control, audit, rate limit, and
candidates by SID or by fuzzy name and birth date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from api_fixtures import build_restricted_db
from fastapi.testclient import TestClient

from crosstrack.api.keys import add_key
from crosstrack.settings import Settings

SEARCH = "/api/v1/restricted/person-search"
ANNA = "pk_" + "a" * 32
ANNA_TOO = "pk_" + "b" * 32  # the same name, another birth date
LUIS = "pk_" + "c" * 32
ROWS = [
    (ANNA, "01234567", "SILVA", "ANA", dt.date(1990, 3, 7), 3),
    (ANNA, None, "SILVA", "ANNA", dt.date(1990, 3, 7), 1),
    (ANNA_TOO, "07654321", "SILVA", "ANA", dt.date(1972, 9, 30), 2),
    (LUIS, "01324567", "REYES", "LUIS", dt.date(1985, 11, 20), 4),
]


# The restricted person search's own limit, so that the rate-limit test stays short.
pytestmark = pytest.mark.parametrize(
    "api_settings", [{"api_restricted_limit": "5/minute"}], indirect=True, ids=["limit5"]
)


@pytest.fixture(scope="module")
def api_restricted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The restricted warehouse of this module: the search index of ROWS."""
    return build_restricted_db(tmp_path_factory.mktemp("search") / "crosstrack.duckdb", search_rows=ROWS)


def _key(settings: Settings, role: str) -> dict[str, str]:
    key, _ = add_key(settings.api_keys, role, role)
    return {"X-API-Key": key}


def _audit(settings: Settings) -> list[dict]:
    return [json.loads(line) for line in settings.audit_log.read_text().splitlines()]


def test_no_key_and_a_public_key_are_refused_and_audited(api_client: TestClient, api_settings: Settings) -> None:
    assert api_client.get(SEARCH, params={"sid": "01234567"}).status_code == 401
    assert api_client.get(SEARCH, params={"sid": "01234567"}, headers=_key(api_settings, "public")).status_code == 403
    entries = _audit(api_settings)
    assert [(e["path"], e["status"], e["role"]) for e in entries] == [(SEARCH, 401, None), (SEARCH, 403, "public")]


def test_a_sid_finds_the_person_and_its_transposition_scores_lower(
    api_client: TestClient, api_settings: Settings
) -> None:
    response = api_client.get(SEARCH, params={"sid": "01234567"}, headers=_key(api_settings, "restricted"))
    assert response.status_code == 200, response.text
    assert response.json()["candidates"] == [{"person_key": ANNA, "score": 1.0}, {"person_key": LUIS, "score": 0.8}]
    entry = _audit(api_settings)[-1]
    assert (entry["role"], entry["status"], entry["path"], entry["person_key"]) == ("restricted", 200, SEARCH, None)
    assert "01234567" not in api_settings.audit_log.read_text()  # the audit log never holds the searched SID


def test_a_name_with_a_typo_and_a_birth_date_finds_the_person_not_the_namesake(
    api_client: TestClient, api_settings: Settings
) -> None:
    params = {"last_name": "Silvia", "first_name": "Anna", "birth_date": "1990-03-07"}
    response = api_client.get(SEARCH, params=params, headers=_key(api_settings, "restricted"))
    assert response.status_code == 200, response.text
    (candidate,) = response.json()["candidates"]
    assert candidate["person_key"] == ANNA and 0.8 <= candidate["score"] < 1
    assert "SILVIA" not in api_settings.audit_log.read_text().upper()


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"sid": "0123-4567"}, "sid"),
        ({"last_name": "Silva", "first_name": "Ana"}, "birth_date"),
        ({"last_name": "Silva", "first_name": "Ana", "birth_date": "07/03/1990"}, "birth_date"),
        ({"sid": "01234567", "last_name": "Silva"}, "sid"),
        ({"sid": "01234567", "limit": "99"}, "limit"),
    ],
)
def test_a_bad_search_is_a_400_naming_the_parameter(
    api_client: TestClient, api_settings: Settings, params: dict, parameter: str
) -> None:
    response = api_client.get(SEARCH, params=params, headers=_key(api_settings, "restricted"))
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
    assert _audit(api_settings)[-1]["status"] == 400


def test_searches_are_rate_limited_per_key(api_client: TestClient, api_settings: Settings) -> None:
    headers = _key(api_settings, "restricted")
    statuses = [api_client.get(SEARCH, params={"sid": "01234567"}, headers=headers).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert _audit(api_settings)[-1]["status"] == 429
