"""Fuzzing the API from its own OpenAPI document (schemathesis, in-process ASGI), against the fixture release.

Whatever a client sends, no answer is a server error, and every answer has a status, content type, headers and
body that the document declares. A second, catalog-aware property test sends well-formed queries (cohorts,
dimensions, values and metrics drawn from /api/v1/cohorts) so the 200 path is fuzzed too: each answer is a 200 or
a 400 naming a parameter, and no published number breaks R-PUB-2. Deterministic (derandomize) and bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from api_fixtures import build_public_db, build_restricted_db
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crosstrack.api import create_app
from crosstrack.api.keys import add_key
from crosstrack.settings import Settings

FUZZ_SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    root = tmp_path_factory.mktemp("api_fuzz")
    api_settings = Settings(
        public_db=build_public_db(root / "crosstrack_public.duckdb"),
        db=build_restricted_db(root / "crosstrack.duckdb"),
        api_keys=root / "api_keys.json",
        audit_log=root / "audit.log",
    )
    add_key(api_settings.api_keys, "fuzzer", "restricted")
    app = create_app(api_settings)
    yield app
    app.state.public.close()
    app.state.restricted.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


# Every documented operation, fuzzed with data that fits the document (positive) and data that does not
# (negative). schemathesis' own pytest loader (`from_fixture`) does not run under this pytest, so the cases come
# from its Hypothesis strategies.
OPERATIONS = [
    "GET /healthz",
    "GET /api/v1/cohorts",
    "GET /api/v1/query",
    "GET /api/v1/restricted/persons/{person_key}/timeline",
    "GET /api/releases",
    "GET /downloads/{release_id}/{file}",
    "GET /api/v1/restricted/person-search",
]


def test_every_documented_operation_is_fuzzed(api_schema: schemathesis.schemas.BaseSchema) -> None:
    assert sorted(result.ok().label for result in api_schema.get_all_operations()) == sorted(OPERATIONS)


# Operations without parameters have no negative data to send.
FUZZED = [
    *((label, GenerationMode.POSITIVE) for label in OPERATIONS),
    *(
        (label, GenerationMode.NEGATIVE)
        for label in OPERATIONS
        if "{" in label or "query" in label or "search" in label
    ),
]


@pytest.mark.parametrize(("label", "mode"), FUZZED)
def test_no_request_gets_a_server_error_or_an_undocumented_answer(
    api_schema: schemathesis.schemas.BaseSchema, label: str, mode: GenerationMode
) -> None:
    operation = next(result.ok() for result in api_schema.get_all_operations() if result.ok().label == label)

    @FUZZ_SETTINGS
    @given(operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    check()


def _well_formed_queries(catalog: dict) -> st.SearchStrategy[dict[str, object]]:
    """Queries built from the catalog's own names and values, R-CHG-4 and max_dimensions not enforced."""

    def for_cohort(cohort: dict) -> st.SearchStrategy[dict[str, object]]:
        grouping = [dimension for dimension in cohort["dimensions"] if not dimension["is_partition"]]
        filters = st.lists(
            st.sampled_from(cohort["dimensions"]).flatmap(
                lambda dimension: st.sampled_from(dimension["values"]).map(
                    lambda value, name=dimension["dimension"]: f"{name}:{value}"
                )
            ),
            max_size=3,
        )
        return st.fixed_dictionaries(
            {
                "cohort": st.just(cohort["cohort"]),
                "dims": st.lists(st.sampled_from([d["dimension"] for d in grouping]), unique=True, max_size=4).map(
                    ",".join
                ),
                "filter": filters,
                "metrics": st.lists(
                    st.sampled_from([metric["metric"] for metric in cohort["metrics"]]), unique=True, max_size=2
                ).map(",".join),
                "format": st.sampled_from(["json", "csv"]),
            }
        )

    return st.sampled_from(catalog["cohorts"]).flatmap(for_cohort)


@pytest.mark.rules("R-CHG-4", "R-PUB-2")
def test_well_formed_queries_are_answered_or_refused_with_a_reason(fuzz_app: FastAPI, tmp_path: Path) -> None:
    with TestClient(fuzz_app) as client:
        catalog = client.get("/api/v1/cohorts").json()
        answered: list[int] = []

        @FUZZ_SETTINGS
        @given(_well_formed_queries(catalog))
        def check(params: dict[str, object]) -> None:
            response = client.get("/api/v1/query", params=params)
            assert response.status_code in (200, 400), response.text
            if response.status_code == 400:
                assert response.json()["parameter"] in ("dims", "filter")
                return
            answered.append(1)
            if params["format"] == "json":
                for row in response.json()["rows"]:
                    count = row.get("record_count")
                    assert (row["is_suppressed"] and count is None) or (not row["is_suppressed"] and count != 0)

        check()
        assert answered, "no well-formed query was answered: the property test fuzzed only refusals"
