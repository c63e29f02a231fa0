"""The public API (R-API-1, R-API-2, R-PUB-2, R-CHG-4) against the fixture release of api_fixtures.py.

Expected rows are read from the fixture file itself, never computed by hand: the API must return exactly the
published cells of the request's grouping set.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from api_fixtures import build_public_db, cohort_specs
from fastapi.testclient import TestClient

from crosstrack.api import app as app_module
from crosstrack.api import create_app
from crosstrack.settings import Settings

QUERY = "/api/v1/query"


def published_cells(public_db: Path, table: str, grouping_key: str, where: dict[str, str] | None = None) -> list[dict]:
    """The fixture file's rows of one grouping set (columns as stored), for comparison with API answers."""
    where = where or {}
    conditions = "".join(f" and cast({column} as varchar) = ?" for column in where)
    con = duckdb.connect(str(public_db), read_only=True)
    try:
        result = con.execute(
            f"select * from public.{table} where dimensions = ?{conditions}", [grouping_key, *where.values()]
        )
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()


def as_text(value: Any) -> str | None:
    return None if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def get_ok(client: TestClient, url: str, **params: Any) -> dict:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# ---- catalog ---------------------------------------------------------------------------------------------------


def test_catalog_offers_what_the_catalog_tables_hold(api_client: TestClient, api_public_db: Path) -> None:
    catalog = get_ok(api_client, "/api/v1/cohorts")
    con = duckdb.connect(str(api_public_db), read_only=True)
    try:
        cohorts = con.execute("select cohort, partition_columns from public.pub_cohorts").fetchall()
        agency_values = con.execute(
            "select value from public.pub_dimensions where cohort = 'custodial' and dimension = 'agency' "
            "order by value_order"
        ).fetchall()
        metrics = con.execute(
            "select metric from public.pub_metrics where cohort = 'recidivism' order by metric_order"
        ).fetchall()
        as_of = con.execute("select as_of from public.pub_release").fetchall()[0][0]
    finally:
        con.close()
    by_name = {cohort["cohort"]: cohort for cohort in catalog["cohorts"]}
    assert set(by_name) == {name for name, _ in cohorts}
    for name, partitions in cohorts:
        assert by_name[name]["partition_columns"] == partitions.split(",")
    custodial = {dimension["dimension"]: dimension for dimension in by_name["custodial"]["dimensions"]}
    assert custodial["agency"]["values"] == [value for (value,) in agency_values]
    assert custodial["snapshot_date"]["is_partition"] is True
    assert custodial["governing_offense_type"]["requires_offender_status"] == "Sentenced"
    assert custodial["leading_charge_type"]["requires_offender_status"] == "Pretrial"
    recidivism = {dimension["dimension"]: dimension for dimension in by_name["recidivism"]["dimensions"]}
    assert recidivism["governing_offense_type"]["requires_offender_status"] is None
    assert [metric["metric"] for metric in by_name["recidivism"]["metrics"]] == [metric for (metric,) in metrics]
    assert catalog["as_of"] == as_of.isoformat()
    assert catalog["max_dimensions"] == 3
    assert catalog["suppression_threshold"] == 5


# ---- query: the published cells, exactly ---------------------------------------------------------------------


@pytest.mark.rules("R-API-1")
def test_query_returns_exactly_the_published_cells_of_its_grouping_set(
    api_client: TestClient, api_public_db: Path
) -> None:
    body = get_ok(api_client, QUERY, cohort="custodial", dims="race,agency", filter="snapshot_date:2024-01-01")
    expected = published_cells(
        api_public_db, "pub_custodial_population", "agency,race", {"snapshot_date": "2024-01-01"}
    )
    assert body["grouping_set"] == ["agency", "race"]
    assert [column["name"] for column in body["columns"]] == [
        "snapshot_date",
        "race",
        "agency",
        "record_count",
        "mean_incarceration_days",
        "is_suppressed",
    ]
    got = {(row["agency"], row["race"]): row for row in body["rows"]}
    assert len(got) == len(body["rows"]) == len(expected) > 0
    for cell in expected:
        row = got[(cell["agency"], cell["race"])]
        assert row["snapshot_date"] == "2024-01-01"
        assert row["record_count"] == cell["record_count"]
        assert row["mean_incarceration_days"] == cell["mean_incarceration_days"]
        assert row["is_suppressed"] == cell["is_suppressed"]


@pytest.mark.rules("R-API-1")
def test_a_filtered_dimension_joins_the_grouping_set(api_client: TestClient, api_public_db: Path) -> None:
    body = get_ok(api_client, QUERY, cohort="custodial", dims="race", filter=["agency:DOC"])
    expected = published_cells(api_public_db, "pub_custodial_population", "agency,race", {"agency": "DOC"})
    assert body["grouping_set"] == ["agency", "race"]
    assert {row["agency"] for row in body["rows"]} == {"DOC"}
    assert sorted((row["snapshot_date"], row["race"], row["record_count"]) for row in body["rows"]) == sorted(
        (as_text(cell["snapshot_date"]), cell["race"], cell["record_count"]) for cell in expected
    )


def test_no_dims_gives_the_total_row_per_partition(api_client: TestClient, api_public_db: Path) -> None:
    body = get_ok(api_client, QUERY, cohort="custodial", metrics="record_count")
    expected = published_cells(api_public_db, "pub_custodial_population", "")
    assert [(row["snapshot_date"], row["record_count"]) for row in body["rows"]] == sorted(
        (as_text(cell["snapshot_date"]), cell["record_count"]) for cell in expected
    )
    assert body["metrics"] == ["record_count"]
    assert "mean_incarceration_days" not in body["rows"][0]


def test_rows_are_ordered_by_partition_then_dimension_value_order(api_client: TestClient) -> None:
    body = get_ok(api_client, QUERY, cohort="custodial", dims="agency")
    order = {"DOC": 1, "BAR": 2, "HAM": 3}  # the fixture's value_order, deliberately not alphabetical
    keys = [(row["snapshot_date"], order[row["agency"]]) for row in body["rows"]]
    assert keys == sorted(keys)
    assert [row["agency"] for row in body["rows"]][:2] == ["DOC", "BAR"]


def test_two_partitions_are_filters_that_do_not_count_against_max_dimensions(api_client: TestClient) -> None:
    body = get_ok(
        api_client,
        QUERY,
        cohort="recidivism",
        dims="agency,race,governing_offense_type",
        filter=["release_year:2023", "followup_years:2"],
    )
    assert body["rows"]
    assert {(row["release_year"], row["followup_years"]) for row in body["rows"]} == {(2023, 2)}


def test_a_valid_value_without_records_gives_no_rows(api_client: TestClient) -> None:
    body = get_ok(api_client, QUERY, cohort="custodial", filter="agency:HAM")
    assert body["rows"] == [] and body["row_count"] == 0


# ---- suppression (R-PUB-2) --------------------------------------------------------------------------------


@pytest.mark.rules("R-PUB-2")
def test_a_cell_of_four_is_suppressed_as_null_and_flagged_never_zero(api_client: TestClient) -> None:
    body = get_ok(
        api_client,
        QUERY,
        cohort="custodial",
        dims="governing_offense_type",
        filter=["offender_status:Sentenced", "snapshot_date:2024-01-01"],
    )
    drug = next(row for row in body["rows"] if row["governing_offense_type"] == "Drug")  # 4 records in the fixture
    assert drug["is_suppressed"] is True
    assert drug["record_count"] is None and drug["mean_incarceration_days"] is None
    assert "suppressed" in body["suppression"]["note"] and body["suppression"]["threshold"] == 5


@pytest.mark.rules("R-PUB-2")
def test_a_cell_of_five_is_shown(api_client: TestClient) -> None:
    body = get_ok(api_client, QUERY, cohort="custodial", dims="agency", filter="snapshot_date:2024-01-01")
    bar = next(row for row in body["rows"] if row["agency"] == "BAR")  # 2 + 3 records in the fixture
    assert bar == {**bar, "record_count": 5, "is_suppressed": False}
    assert bar["mean_incarceration_days"] is not None


@pytest.mark.rules("R-PUB-2")
def test_no_published_number_is_below_the_threshold(api_client: TestClient) -> None:
    for dims in ("", "agency", "agency,race", "agency,offender_status,race"):
        body = get_ok(api_client, QUERY, cohort="custodial", dims=dims)
        for row in body["rows"]:
            if row["is_suppressed"]:
                assert row["record_count"] is None and row["mean_incarceration_days"] is None
            else:
                assert row["record_count"] >= 5


# ---- CSV (R-API-2) ----------------------------------------------------------------------------------------


@pytest.mark.rules("R-API-2")
def test_csv_carries_the_same_columns_and_numbers_as_json(api_client: TestClient) -> None:
    params = {"cohort": "custodial", "dims": "agency,race", "filter": ["snapshot_date:2024-01-01"]}
    body = get_ok(api_client, QUERY, **params)
    response = api_client.get(QUERY, params={**params, "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="crosstrack_custodial_agency-race_snapshot_date-2024-01-01.csv"'
    )
    reader = csv.DictReader(io.StringIO(response.text))
    assert reader.fieldnames == [column["name"] for column in body["columns"]]
    csv_rows = list(reader)
    assert len(csv_rows) == len(body["rows"]) > 0
    assert any(row["is_suppressed"] for row in body["rows"])
    for json_row, csv_row in zip(body["rows"], csv_rows, strict=True):
        for name, value in json_row.items():
            if value is None:
                assert csv_row[name] == ""
            elif isinstance(value, bool):
                assert csv_row[name] == str(value).lower()
            elif isinstance(value, int | float):
                assert float(csv_row[name]) == value
            else:
                assert csv_row[name] == value


@pytest.mark.rules("R-API-1")
def test_the_canonical_urls_ask_the_same_question_again(api_client: TestClient) -> None:
    body = get_ok(
        api_client,
        QUERY,
        cohort="custodial",
        dims="agency",
        filter=["snapshot_date:2024-01-01", "offender_status:Sentenced"],
        metrics="record_count",
    )
    assert body["query_url"].endswith(
        "/api/v1/query?cohort=custodial&dims=agency&filter=offender_status:Sentenced"
        "&filter=snapshot_date:2024-01-01&metrics=record_count"
    )
    again = api_client.get(body["query_url"])
    assert again.status_code == 200 and again.json()["rows"] == body["rows"]
    download = api_client.get(body["csv_url"])
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")


# ---- validation: every refusal is a 400 that names its parameter -----------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "cohort"),
        ("cohort=jail", "cohort"),
        ("cohort=custodial&cohort=recidivism", "cohort"),
        ("cohort=custodial&dims=zodiac", "dims"),
        ("cohort=custodial&dims=agency,agency", "dims"),
        ("cohort=custodial&dims=agency,", "dims"),
        ("cohort=custodial&dims=snapshot_date", "dims"),
        ("cohort=custodial&filter=agency", "filter"),
        ("cohort=custodial&filter=:DOC", "filter"),
        ("cohort=custodial&filter=agency:", "filter"),
        ("cohort=custodial&filter=zodiac:Leo", "filter"),
        ("cohort=custodial&filter=agency:NOWHERE", "filter"),
        ("cohort=custodial&filter=agency:DOC&filter=agency:BAR", "filter"),
        ("cohort=custodial&filter=snapshot_date:2024-13-01", "filter"),
        ("cohort=custodial&metrics=record_count,zodiac", "metrics"),
        ("cohort=custodial&metrics=record_count,record_count", "metrics"),
        ("cohort=recidivism&metrics=mean_incarceration_days", "metrics"),
        ("cohort=custodial&format=xlsx", "format"),
        ("cohort=custodial&sort=agency", "sort"),
        ("cohort=custodial&dims=agency,race,offender_status,governing_offense_type", "dims"),
        (
            "cohort=custodial&dims=agency,race&filter=offender_status:Sentenced&filter=governing_offense_type:Drug",
            "filter",
        ),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(api_client: TestClient, query: str, parameter: str) -> None:
    response = api_client.get(f"{QUERY}?{query}")
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["parameter"] == parameter
    assert body["error"]


@pytest.mark.parametrize("path", ["/api/v1/cohorts", "/healthz"])
def test_unknown_parameters_are_refused_everywhere(api_client: TestClient, path: str) -> None:
    response = api_client.get(path, params={"verbose": "1"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "verbose"


def test_more_than_three_dimensions_is_refused_counting_filters(api_client: TestClient) -> None:
    response = api_client.get(QUERY, params={"cohort": "custodial", "dims": "agency,race,offender_status"})
    assert response.status_code == 200
    response = api_client.get(
        QUERY,
        params={"cohort": "custodial", "dims": "agency,race,offender_status", "filter": "leading_charge_type:Drug"},
    )
    assert response.status_code == 400
    assert "at most 3" in response.json()["error"]


# ---- R-CHG-4 ----------------------------------------------------------------------------------------------


@pytest.mark.rules("R-CHG-4")
def test_governing_offense_without_the_sentenced_filter_is_refused_with_the_reason(api_client: TestClient) -> None:
    response = api_client.get(QUERY, params={"cohort": "custodial", "dims": "governing_offense_type"})
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "dims"
    assert "R-CHG-4" in body["error"] and "offender_status:Sentenced" in body["error"]


@pytest.mark.rules("R-CHG-4")
def test_governing_offense_with_the_sentenced_filter_is_answered(api_client: TestClient, api_public_db: Path) -> None:
    body = get_ok(
        api_client, QUERY, cohort="custodial", dims="governing_offense_type", filter="offender_status:Sentenced"
    )
    expected = published_cells(
        api_public_db,
        "pub_custodial_population",
        "governing_offense_type,offender_status",
        {"offender_status": "Sentenced"},
    )
    assert len(body["rows"]) == len(expected) > 0
    assert {row["offender_status"] for row in body["rows"]} == {"Sentenced"}


@pytest.mark.rules("R-CHG-4")
@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"dims": "leading_charge_type", "filter": "offender_status:Sentenced"}, "dims"),
        ({"dims": "governing_offense_type", "filter": "offender_status:Pretrial"}, "dims"),
        ({"dims": "agency", "filter": "governing_offense_type:Violent"}, "filter"),
        ({"dims": "governing_offense_type,leading_charge_type", "filter": "offender_status:Sentenced"}, "dims"),
    ],
)
def test_an_offense_dimension_needs_its_own_offender_status(
    api_client: TestClient, params: dict[str, str], parameter: str
) -> None:
    response = api_client.get(QUERY, params={"cohort": "custodial", **params})
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
    assert "R-CHG-4" in response.json()["error"]


@pytest.mark.rules("R-CHG-4")
def test_leading_charge_with_the_pretrial_filter_is_answered(api_client: TestClient) -> None:
    body = get_ok(api_client, QUERY, cohort="custodial", dims="leading_charge_type", filter="offender_status:Pretrial")
    assert body["rows"] and {row["offender_status"] for row in body["rows"]} == {"Pretrial"}


def test_recidivism_needs_no_offender_status_for_its_governing_offense(api_client: TestClient) -> None:
    assert get_ok(api_client, QUERY, cohort="recidivism", dims="governing_offense_type")["rows"]


# ---- no way from the public endpoints to person-level data (R-PUB-1) --------------------------------------


@pytest.mark.rules("R-PUB-1")
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("cohort=person_timeline", "cohort"),
        ("cohort=restricted.person_timeline", "cohort"),
        ("cohort=pub_cohorts", "cohort"),
        ("cohort=custodial&dims=person_key", "dims"),
        ("cohort=custodial&filter=person_key:p_alpha", "filter"),
        ("cohort=custodial&metrics=dimensions", "metrics"),
        ("cohort=custodial&filter=agency:DOC' or '1'='1", "filter"),
        ("cohort=custodial&dims=agency;drop table public.pub_cohorts", "dims"),
    ],
)
def test_restricted_or_injected_names_are_refused(api_client: TestClient, query: str, parameter: str) -> None:
    response = api_client.get(f"{QUERY}?{query}")
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


@pytest.mark.rules("R-PUB-1")
def test_the_public_connection_holds_no_restricted_schema_and_no_file_access(api_client: TestClient) -> None:
    cursor, _ = api_client.app.state.public.cursor()
    schemas = cursor.execute("select catalog_name, schema_name from information_schema.schemata").fetchall()
    assert "restricted" not in {schema for _, schema in schemas}
    tables = cursor.execute("select table_schema, table_name from information_schema.tables").fetchall()
    assert {schema for schema, _ in tables} == {"public"}
    with pytest.raises(duckdb.Error):
        cursor.execute(f"attach '{api_client.app.state.settings.db}' as w (read_only)")
    with pytest.raises(duckdb.Error):
        cursor.execute("create table public.x as select 1").fetchall()


# ---- the file is replaced by the next publication -------------------------------------------------------------


def test_a_replaced_public_file_is_picked_up(tmp_path: Path, api_public_db: Path, api_settings: Settings) -> None:
    published = tmp_path / "public" / "crosstrack_public.duckdb"
    published.parent.mkdir()
    shutil.copyfile(api_public_db, published)
    settings = Settings(
        public_db=published, db=api_settings.db, api_keys=api_settings.api_keys, audit_log=api_settings.audit_log
    )
    with TestClient(create_app(settings)) as client:
        before = get_ok(client, QUERY, cohort="custodial", dims="agency", filter="snapshot_date:2024-01-01")
        next_file = build_public_db(published.with_name("next.duckdb"), cohort_specs(extra_doc=3), as_of="2026-10-01")
        os.replace(next_file, published)  # as publication does
        after = get_ok(client, QUERY, cohort="custodial", dims="agency", filter="snapshot_date:2024-01-01")
        expected = published_cells(published, "pub_custodial_population", "agency", {"snapshot_date": "2024-01-01"})
        doc_before = next(row for row in before["rows"] if row["agency"] == "DOC")["record_count"]
        doc_after = next(row for row in after["rows"] if row["agency"] == "DOC")["record_count"]
        assert doc_after == next(cell["record_count"] for cell in expected if cell["agency"] == "DOC")
        assert doc_after == doc_before + 3
        assert after["as_of"] == "2026-10-01"
        assert get_ok(client, "/api/v1/cohorts")["as_of"] == "2026-10-01"


def test_a_missing_release_is_a_503_until_it_is_published(tmp_path: Path, api_public_db: Path) -> None:
    published = tmp_path / "crosstrack_public.duckdb"
    settings = Settings(
        public_db=published,
        db=tmp_path / "none.duckdb",
        api_keys=tmp_path / "keys.json",
        audit_log=tmp_path / "audit.log",
    )
    with TestClient(create_app(settings)) as client:
        for path in ("/healthz", "/api/v1/cohorts", f"{QUERY}?cohort=custodial"):
            response = client.get(path)
            assert response.status_code == 503 and response.json()["error"]
        shutil.copyfile(api_public_db, published)
        assert get_ok(client, "/healthz")["status"] == "ok"


def test_a_file_without_the_catalog_is_a_503(tmp_path: Path) -> None:
    published = tmp_path / "crosstrack_public.duckdb"
    duckdb.connect(str(published)).close()
    settings = Settings(
        public_db=published,
        db=tmp_path / "none.duckdb",
        api_keys=tmp_path / "keys.json",
        audit_log=tmp_path / "audit.log",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/cohorts")
        assert response.status_code == 503
        assert "catalog" in response.json()["error"]


# ---- the page and the OpenAPI document ------------------------------------------------------------------------


def test_the_page_is_a_404_when_it_is_not_installed(
    api_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "STATIC_DIR", tmp_path / "no_static")
    with TestClient(create_app(api_settings)) as client:
        assert client.get("/").status_code == 404
        assert client.get("/static/app.js").status_code == 404


def test_the_page_is_served_when_installed(
    api_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>Cross-Tracking</title>")
    (static / "app.js").write_text("// page")
    monkeypatch.setattr(app_module, "STATIC_DIR", static)
    with TestClient(create_app(api_settings)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "Cross-Tracking" in page.text
        assert client.get("/static/app.js").text == "// page"


def test_the_openapi_document_describes_every_operation(api_client: TestClient) -> None:
    document = get_ok(api_client, "/openapi.json")
    operations = [operation for path in document["paths"].values() for operation in path.values()]
    assert {"/api/v1/cohorts", "/api/v1/query", "/healthz", "/api/v1/restricted/persons/{person_key}/timeline"} <= set(
        document["paths"]
    )
    for operation in operations:
        assert operation["summary"]
        assert "422" not in operation["responses"]
        assert "400" in operation["responses"]
        if "restricted" in operation.get("tags", ()):
            assert {"401", "403", "429"} <= set(operation["responses"])  # the key checks of every restricted route
    query = document["paths"]["/api/v1/query"]["get"]
    assert {parameter["name"] for parameter in query["parameters"]} == {
        "cohort",
        "dims",
        "filter",
        "metrics",
        "format",
        "page",
        "release",
    }
    assert all(parameter.get("description") for parameter in query["parameters"])
    content = query["responses"]["200"]["content"]
    assert content["application/json"]["example"]["rows"] and content["text/csv"]["example"]
    assert api_client.get("/docs").status_code == 200


# ---- the real published release (after the lead's public models land) ----------------------------------------


@pytest.mark.rules("R-API-3")
@pytest.mark.warehouse
def test_the_published_release_answers_every_cohort_total(built_warehouse: Any) -> None:
    public_db = built_warehouse.public_database
    settings = Settings(
        public_db=public_db,
        db=built_warehouse.database,
        api_keys=Path(built_warehouse.target) / "keys.json",
        audit_log=Path(built_warehouse.target) / "audit.log",
    )
    with TestClient(create_app(settings)) as client:
        catalog = get_ok(client, "/api/v1/cohorts")
        assert {"custodial", "admissions", "releases", "recidivism", "risk_and_needs"} <= {
            cohort["cohort"] for cohort in catalog["cohorts"]
        }
        cursor, _ = client.app.state.public.cursor()
        schemas = {
            schema for (schema,) in cursor.execute("select schema_name from information_schema.schemata").fetchall()
        }
        assert "restricted" not in schemas
        for cohort in catalog["cohorts"]:
            body = get_ok(client, QUERY, cohort=cohort["cohort"])
            expected = published_cells(public_db, cohort["table"], "")
            assert len(body["rows"]) == len(expected) > 0
            for row in body["rows"]:
                assert row["is_suppressed"] or row["record_count"] >= catalog["suppression_threshold"]
