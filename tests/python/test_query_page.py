"""The query-builder page in a real browser (Debian's chromium driven by Playwright) against a small public release.

The page reads the catalog, builds a query, shows the published cells (suppressed ones marked, never 0:
R-PUB-2), the API request as a URL to copy (R-API-1), CSV and JSON downloads (R-API-2), and mirrors the query in
its own URL so a saved page link restores and reruns it. Offense dimensions are offered only once offender status
is filtered to the matching value (R-CHG-4). The release is the API tests' fixture (`api_fixtures`); the expected
numbers below are worked out from its records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import chromium, free_port, served_settings, serving
from playwright.sync_api import Browser, Page, expect

from crosstrack.api.app import create_app

TIMEOUT_MS = 15_000

# api_fixtures' custodial population on 2024-01-01 (its record i has 30 + 7 i incarceration days): DOC holds 9
# sentenced people (records 0-8: mean 58 days) and 6 pretrial (records 9-14: mean 110.5 days); BAR holds 2
# sentenced and 3 pretrial, both fewer than 5 (suppressed).
AGENCY_BY_STATUS = [
    {"agency": "DOC", "offender_status": "Sentenced", "record_count": "9", "mean_incarceration_days": "58"},
    {"agency": "DOC", "offender_status": "Pretrial", "record_count": "6", "mean_incarceration_days": "110.5"},
    {
        "agency": "BAR",
        "offender_status": "Sentenced",
        "record_count": "suppressed",
        "mean_incarceration_days": "suppressed",
    },
    {
        "agency": "BAR",
        "offender_status": "Pretrial",
        "record_count": "suppressed",
        "mean_incarceration_days": "suppressed",
    },
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, api_public_db: Path) -> Iterator[str]:
    """The API and page served by uvicorn on a free localhost port, in a background thread, for this module."""
    port = free_port()
    settings = served_settings(tmp_path_factory.mktemp("query_page"), api_public_db, port)
    with serving(create_app(settings), port) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    script_errors: list[str] = []
    opened.on("pageerror", lambda error: script_errors.append(str(error)))
    yield opened
    context.close()
    assert script_errors == [], f"the page raised script errors: {script_errors}"


def open_builder(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def shown_table(page: Page) -> list[dict[str, str]]:
    """The result table as one dict per row: column name -> the cell's text."""
    expect(page.locator("#result-body")).to_be_visible()
    columns = page.locator("#result-table thead th").evaluate_all("cells => cells.map(c => c.dataset.column)")
    rows = page.locator("#result-table tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.textContent.trim()))"
    )
    return [dict(zip(columns, cells, strict=True)) for cells in rows]


def build_agency_by_status(page: Page, base_url: str) -> None:
    open_builder(page, base_url + "/")
    page.get_by_label("Cohort", exact=True).select_option("custodial")
    page.get_by_label("Snapshot date").select_option("2024-01-01")
    page.get_by_role("checkbox", name="Agency", exact=True).check()
    page.get_by_role("checkbox", name="Offender status", exact=True).check()
    page.get_by_role("button", name="Run").click()


def picked(table: list[dict[str, str]], *columns: str) -> list[dict[str, str]]:
    return [{column: row[column] for column in columns} for row in table]


@pytest.mark.rules("R-PUB-2")
def test_query_shows_published_cells_with_suppressed_marked_never_zero(page: Page, base_url: str) -> None:
    build_agency_by_status(page, base_url)
    table = shown_table(page)
    assert picked(table, "agency", "offender_status", "record_count", "mean_incarceration_days") == AGENCY_BY_STATUS
    assert {row["snapshot_date"] for row in table} == {"2024-01-01"}

    suppressed_row = page.locator("#result-table tbody tr").nth(2)
    expect(suppressed_row.locator("td.suppressed .suppressed-marker")).to_have_count(2)
    assert "0" not in suppressed_row.locator("td.num").all_inner_texts()
    expect(page.locator("#result-summary")).to_contain_text("2 suppressed")
    expect(page.locator("#legend")).to_be_visible()
    expect(page.locator("#legend")).to_contain_text("Fewer than 5 records")
    expect(page.locator("#legend")).to_contain_text("Suppressed is not zero")
    expect(page.get_by_role("columnheader", name="Mean days of incarceration")).to_be_visible()


@pytest.mark.rules("R-API-1", "R-API-2")
def test_shown_api_url_returns_the_same_numbers_as_json_and_csv(page: Page, base_url: str) -> None:
    build_agency_by_status(page, base_url)
    table = shown_table(page)
    api_url = page.get_by_label("API request (copy, save, run again)").input_value()
    assert api_url.startswith(base_url + "/api/v1/query?cohort=custodial&dims=agency,offender_status")

    answer = httpx.get(api_url, timeout=10)
    assert answer.status_code == 200
    rows: list[dict[str, Any]] = answer.json()["rows"]
    assert [(row["agency"], row["offender_status"], row["record_count"]) for row in rows] == [
        ("DOC", "Sentenced", 9),
        ("DOC", "Pretrial", 6),
        ("BAR", "Sentenced", None),
        ("BAR", "Pretrial", None),
    ]
    assert [row["is_suppressed"] for row in rows] == [False, False, True, True]
    assert ["suppressed" if row["is_suppressed"] else str(row["record_count"]) for row in rows] == [
        row["record_count"] for row in table
    ]

    json_link = page.get_by_role("link", name="JSON", exact=True).get_attribute("href")
    csv_link = page.get_by_role("link", name="CSV", exact=True).get_attribute("href")
    assert json_link == api_url
    download = httpx.get(csv_link, timeout=10)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers.get("content-disposition", "")
    assert download.text.splitlines()[0].split(",")[:3] == ["snapshot_date", "agency", "offender_status"]
    assert "2024-01-01,DOC,Sentenced,9,58.0,false" in download.text.splitlines()
    assert "2024-01-01,BAR,Sentenced,,,true" in download.text.splitlines()  # suppressed: empty, not 0


@pytest.mark.rules("R-API-1")
def test_page_url_restores_and_reruns_the_query(page: Page, browser: Browser, base_url: str) -> None:
    build_agency_by_status(page, base_url)
    first = shown_table(page)
    page_url = page.url
    assert "cohort=custodial" in page_url
    assert "dims=agency,offender_status" in page_url
    assert "filter=snapshot_date:2024-01-01" in page_url

    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    restored = context.new_page()
    try:
        restored.goto(page_url)
        assert shown_table(restored) == first
        expect(restored.get_by_label("Cohort", exact=True)).to_have_value("custodial")
        expect(restored.get_by_label("Snapshot date")).to_have_value("2024-01-01")
        expect(restored.get_by_role("checkbox", name="Agency", exact=True)).to_be_checked()
        expect(restored.get_by_role("checkbox", name="Offender status", exact=True)).to_be_checked()
        expect(restored.get_by_role("checkbox", name="Race", exact=True)).not_to_be_checked()
    finally:
        context.close()


@pytest.mark.rules("R-CHG-4")
def test_offense_dimensions_are_offered_only_once_offender_status_is_filtered(page: Page, base_url: str) -> None:
    open_builder(page, base_url + "/")
    page.get_by_label("Cohort", exact=True).select_option("custodial")
    governing = page.get_by_role("checkbox", name="Governing offense type")
    leading = page.get_by_role("checkbox", name="Leading charge type")
    expect(governing).to_be_disabled()
    expect(leading).to_be_disabled()
    expect(page.locator("#offense-note")).to_contain_text("filter offender status to Sentenced")

    page.get_by_role("button", name="Add a filter").click()
    page.get_by_label("Filter 1: dimension").select_option("offender_status")
    page.get_by_label("value", exact=True).select_option("Sentenced")
    expect(governing).to_be_enabled()
    expect(leading).to_be_disabled()

    page.get_by_label("Snapshot date").select_option("2024-01-01")
    governing.check()
    page.get_by_role("checkbox", name="Mean days of incarceration").uncheck()
    page.get_by_role("button", name="Run").click()
    table = shown_table(page)
    # Sentenced on 2024-01-01: Violent 5 (DOC) + 2 (BAR) = 7 people; Drug 4 (suppressed); no Property.
    assert picked(table, "governing_offense_type", "offender_status", "record_count") == [
        {"governing_offense_type": "Violent", "offender_status": "Sentenced", "record_count": "7"},
        {"governing_offense_type": "Drug", "offender_status": "Sentenced", "record_count": "suppressed"},
    ]
    assert "mean_incarceration_days" not in table[0]
    assert "filter=offender_status:Sentenced" in page.get_by_label("API request (copy, save, run again)").input_value()

    # Switching to pretrial drops the governing offense and offers the leading charge instead.
    page.get_by_label("value", exact=True).select_option("Pretrial")
    expect(governing).to_be_disabled()
    expect(governing).not_to_be_checked()
    expect(leading).to_be_enabled()
    expect(page.locator("#form-message")).to_contain_text("Governing offense type")

    # The recidivism cohort is sentenced by definition: its governing offense needs no filter.
    page.get_by_label("Cohort", exact=True).select_option("recidivism")
    expect(page.get_by_role("checkbox", name="Governing offense type")).to_be_enabled()
    expect(page.locator("#offense-note")).to_be_hidden()
    expect(page.get_by_label("Release year")).to_be_visible()
    expect(page.get_by_label("Followup years")).to_be_visible()


def test_dimension_budget_counts_filters_and_stops_at_the_maximum(page: Page, base_url: str) -> None:
    open_builder(page, base_url + "/")
    page.get_by_label("Cohort", exact=True).select_option("custodial")
    page.get_by_role("checkbox", name="Agency", exact=True).check()
    page.get_by_role("checkbox", name="Race", exact=True).check()
    page.get_by_role("button", name="Add a filter").click()
    page.get_by_label("Filter 1: dimension").select_option("offender_status")
    page.get_by_label("value", exact=True).select_option("Pretrial")
    expect(page.locator("#dimension-budget")).to_contain_text("3 of 3")
    expect(page.get_by_role("checkbox", name="Offender status", exact=True)).to_be_enabled()  # already counted
    expect(page.get_by_role("button", name="Add a filter")).to_be_disabled()
    expect(page.get_by_role("checkbox", name="Leading charge type")).to_be_disabled()  # allowed, but no room


def test_an_api_refusal_is_shown_with_its_reason(page: Page, base_url: str) -> None:
    # A saved link that asks for the governing offense without the offender-status filter (R-CHG-4).
    page.goto(base_url + "/?cohort=custodial&dims=governing_offense_type&metrics=record_count")
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    expect(error).to_contain_text("offender_status:Sentenced")
    expect(error).to_contain_text("Parameter: dims")
    expect(page.locator("#result-body")).to_be_hidden()


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_the_pages_work_under_their_content_security_policy(page: Page, base_url: str, path: str) -> None:
    """The CSP forbids inline script and other origins (issue 11): the query page still runs its query and the
    documentation page (Swagger UI from the installed package) renders every operation, with no CSP violation."""
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(base_url + path)
    if path == "/docs":
        expect(page.locator(".opblock").first).to_be_visible()
        operations = httpx.get(base_url + "/openapi.json").json()["paths"]
        assert page.locator(".opblock").count() == sum(len(methods) for methods in operations.values())
    else:
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
    assert [text for text in messages if "Content Security Policy" in text] == []


def test_a_table_longer_than_one_page_says_it_shows_the_first_page(
    page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crosstrack.api import query

    monkeypatch.setattr(query, "PAGE_ROWS", 2)  # the server runs in this process
    open_builder(page, base_url + "/?cohort=recidivism&dims=race")
    expect(page.locator("#result-summary")).to_contain_text("The first 2 of ")
    assert len(shown_table(page)) == 2
