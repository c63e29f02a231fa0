"""The public dashboards and reference pages in a real browser (Debian's chromium driven by Playwright).

One server and one browser for the module, over a small public release with all five cohorts laid out as the
public-layer contract says (api_fixtures' builder; the cubes hold every grouping set, suppressed under 5). The
tests check that each dashboard charts without a script or console error (a Content-Security-Policy violation is
one), that the numbers behind every chart are the API's answer to the chart's own query, that suppressed cells and
incomplete follow-up are labelled and never 0, that filters live in the URL, and that axe-core finds no WCAG 2.1 AA
violation on any page. Screenshots (desktop and 360 px) go to test-artifacts/dashboards/ for review.

The release is published as a real one (crosstrack/releases.py), so the downloads page lists what GET /api/releases
serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import duckdb
import httpx
import pytest
from api_fixtures import CohortSpec, DimensionSpec, build_public_db, cohort_specs
from fastapi.testclient import TestClient
from live_server import chromium, free_port, served_settings, serving
from playwright.sync_api import Browser, Page, expect
from warehouse_build import DeploymentSecret

from crosstrack.api.app import create_app
from crosstrack.api.routers import pages
from crosstrack.contract.cubes import public_cubes
from crosstrack.publish import publish
from crosstrack.secret import SECRET_FILE_ENV

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts" / "dashboards"
TIMEOUT_MS = 20_000
DASHBOARDS = pages.DASHBOARDS
REFERENCE_PAGES = ("/", "/dashboards", "/glossary", "/methodology", "/faq", "/downloads")


def _spec(name: str, table: str, partition: tuple[str, str, tuple[str, ...]], extra: str, values: tuple) -> CohortSpec:
    """A one-metric cohort whose records give shown cells (DOC) and suppressed ones (BAR: 3 per period)."""
    column, sql_type, periods = partition
    records = [
        {column: period, "agency": agency, "race": race, extra: value}
        for index, period in enumerate(periods)
        for agency, race, value, count in (
            ("DOC", "White", values[0], 6 + index),
            ("DOC", "Black", values[1], 5),
            ("BAR", "Black", values[0], 3),
        )
        for _ in range(count)
    ]
    return CohortSpec(
        name=name,
        table=table,
        partitions={column: sql_type},
        partition_values={column: periods},
        dimensions={
            "agency": DimensionSpec("Agency", ("DOC", "BAR", "HAM")),
            "race": DimensionSpec("Race", ("White", "Black", "Asian")),
            extra: DimensionSpec(extra.replace("_", " ").capitalize(), values),
        },
        metrics={"record_count": ("Records", "records", len)},
        records=records,
    )


def all_cohorts() -> list[CohortSpec]:
    return [
        *cohort_specs(),
        _spec(
            "admissions",
            "pub_admissions",
            ("admission_year", "integer", ("2024", "2025", "2026")),
            "admission_type",
            ("Arrest", "Commitment"),
        ),
        _spec(
            "releases",
            "pub_releases",
            ("release_year", "integer", ("2024", "2025")),
            "release_type",
            ("Court release", "Escape"),
        ),
        _spec(
            "risk_and_needs",
            "pub_risk_levels",
            ("snapshot_date", "date", ("2025-01-01", "2026-01-01")),
            "risk_level",
            ("Low", "High"),
        ),
    ]


# A grouping set the release does not publish (pub_grouping_sets): the API answers 400 naming the rule.
UNPUBLISHED = ("custodial", "governing_offense_type,offender_status,race")


@pytest.fixture(scope="module")
def public_db(tmp_path_factory: pytest.TempPathFactory, deployment_secret: DeploymentSecret) -> Path:
    """The release the dashboards read, published as a real release (crosstrack/releases.py), so that the downloads
    page lists what GET /api/releases serves."""
    specs = all_cohorts()
    root = tmp_path_factory.mktemp("dashboards")
    path = build_public_db(root / "built.duckdb", specs)
    with duckdb.connect(str(path)) as con:
        con.execute("create table public.pub_grouping_sets (cohort varchar, dimensions varchar)")
        for spec in specs:
            con.execute(
                f"insert into public.pub_grouping_sets select distinct ?, dimensions from public.{spec.table} "
                "where not (? = ? and dimensions = ?)",
                [spec.name, spec.name, *UNPUBLISHED],
            )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_FILE_ENV, str(deployment_secret.path))
        return publish(path, root / "published").database


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, public_db: Path) -> Iterator[str]:
    port = free_port()
    app = create_app(served_settings(tmp_path_factory.mktemp("dashboards_server"), public_db, port))
    with serving(app, port) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if pages.missing_vendor_files() or not AXE.is_file():
        missing = ", ".join(pages.missing_vendor_files())
        pytest.fail(f"the charting library or axe-core is not installed ({missing}): make setup")
    with chromium() as launched:
        yield launched


@pytest.fixture
def logged_errors() -> list[str]:
    """What the page logs as an error (a test expecting one removes it)."""
    return []


@pytest.fixture
def page(browser: Browser, logged_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    errors = logged_errors
    opened.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def chart_tables(page: Page) -> dict[str, dict[str, Any]]:
    """Per chart: its builder query string and the table's cells as {row key: {series or '': value or label}}."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('section.chart[data-state=ready]')].map((chart) => {
            const cells = {};
            for (const tr of chart.querySelectorAll('tbody tr')) {
              cells[tr.dataset.key] = Object.fromEntries([...tr.querySelectorAll('td')].map((td) =>
                [td.dataset.series || '', td.dataset.value !== undefined ? Number(td.dataset.value) : td.textContent]));
            }
            const builder = chart.querySelector('a.builder-link').getAttribute('href');
            return [chart.dataset.chart, {builder, csv: chart.querySelector('a.csv-link').href, cells}];
        }))"""
    )


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is, its charts' tables opened."""
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the test, never loaded by the page
    return page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
            .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)"""
    )


def assert_no_internal_reference(page: Page) -> None:
    text = page.locator("body").inner_text()
    assert not re.search(r"\bSPEC\b|\bR-[A-Z]+-\d", text), "a public page cites an internal document"


def api_answer(base_url: str, builder_link: str) -> dict[str, Any]:
    """The API's JSON for the query a chart's query-builder link carries."""
    params = parse_qsl(urlsplit(builder_link).query)
    response = httpx.get(f"{base_url}/api/v1/query", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# ---- every dashboard ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cohort", DASHBOARDS)
def test_each_dashboard_charts_every_view_and_matches_the_api(page: Page, base_url: str, cohort: str) -> None:
    open_page(page, f"{base_url}/dashboards/{cohort}")
    if cohort == "custodial":
        check_every_dashboard_control_is_reached_with_the_keyboard(page)  # first, before anything takes the focus
    expect(page.locator("#headline-value")).not_to_be_empty()
    charts = chart_tables(page)
    assert charts, "the dashboard shows charts"
    assert page.locator("section.chart[data-state=error]").count() == 0
    assert page.locator(".chart-canvas svg").count() == len(charts)  # Vega drew every chart
    # Beside every chart: the perturbation sentence, a CSV of its query, a link to the query builder.
    assert page.locator("section.chart .perturbation").count() == len(charts)
    for name, chart in charts.items():
        answer = api_answer(base_url, chart["builder"])
        (metric,) = answer["metrics"]
        csv = dict(parse_qsl(urlsplit(chart["csv"]).query))
        assert csv["format"] == "csv" and csv["metrics"] == metric
        assert dict(parse_qsl(urlsplit(chart["builder"]).query))["cohort"] == cohort
        partitions = [
            c["name"] for c in answer["columns"] if c["role"] == "partition" and c["name"] not in answer["filters"]
        ]
        dims = answer["dimensions"]
        shown = 0
        for row in answer["rows"]:
            if dims:
                key, series = str(row[dims[0]]), ""
            elif len(partitions) == 2:  # recidivism: release year by follow-up
                key, series = str(row[partitions[0]]), f"{row[partitions[1]]}-year"
            else:
                key, series = str(row[partitions[0]]), ""
            value = chart["cells"][key][series]
            if row["is_suppressed"] or row[metric] is None:
                assert value == "suppressed", (name, row)
            else:
                assert value == pytest.approx(row[metric]), (name, row)
                shown += 1
        assert shown, f"{name}: the chart shows published values"
    assert axe_violations(page) == []
    assert_no_internal_reference(page)
    for width, suffix in ((1280, "desktop"), (360, "360px")):
        page.set_viewport_size({"width": width, "height": 900})
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{cohort}-{suffix}.png"), full_page=True)
    # At 360 px nothing overflows sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if cohort in DASHBOARD_CHECKS:
        page.set_viewport_size({"width": 1280, "height": 900})
        DASHBOARD_CHECKS[cohort](page)  # the dashboard's own content, on the same load (last: it may change the view)


def test_a_suppressed_value_is_labelled_in_the_chart_and_the_table_never_zero(page: Page, base_url: str) -> None:
    # BAR holds 2 sentenced and 3 pretrial people on every snapshot (api_fixtures): both cells are suppressed.
    open_page(page, f"{base_url}/dashboards/custodial?filter=agency:BAR")
    chart = page.locator("section.chart[data-chart=by-offender_status]")
    for status in ("Sentenced", "Pretrial"):
        cell = chart.locator(f"tbody tr[data-key={status}] td")
        expect(cell).to_have_text("suppressed")
        expect(cell).to_have_class(re.compile(r"\bsuppressed\b"))
    assert chart.locator("svg text", has_text="suppressed").count() == 2  # labelled in the chart itself
    assert chart.locator("svg path[aria-roledescription=bar], svg .mark-rect path").count() == 0  # no bar, no 0


def check_incomplete_follow_up_is_absent_not_zero(page: Page) -> None:
    """Recidivism: the fixture publishes 1- and 2-year rates only: every 3-year rate is still within its follow-up."""
    chart = page.locator("section.chart[data-chart=rates-reincarceration_rate]")
    for year in ("2022", "2023"):
        expect(chart.locator(f'tbody tr[data-key="{year}"] td[data-series="3-year"]')).to_have_text(
            "follow-up not complete"
        )
        expect(chart.locator(f'tbody tr[data-key="{year}"] td[data-series="1-year"]')).to_have_attribute(
            "data-value", re.compile(r"^0\.\d+$")
        )
    assert chart.locator("svg text", has_text="follow-up not complete").count() == 2


def test_filters_change_the_url_and_the_url_restores_the_view(page: Page, base_url: str) -> None:
    open_page(page, f"{base_url}/dashboards/custodial")
    everyone = page.locator("#headline-value strong").get_attribute("data-value")
    page.select_option("#select-filter-offender_status", "Sentenced")
    expect(page).to_have_url(re.compile(r"filter=offender_status:Sentenced"))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    # Sentenced only: the governing offense breakdown is offered, and the headline is the filtered figure.
    expect(page.locator("section.chart[data-chart=by-governing_offense_type]")).to_have_count(1)
    page.select_option("#select-period", "2024-01-01")
    expect(page).to_have_url(re.compile(r"period=2024-01-01"))
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    sentenced = page.locator("#headline-value strong").get_attribute("data-value")
    assert sentenced != everyone
    shared = page.url
    fresh = page.context.new_page()
    open_page(fresh, shared)
    expect(fresh.locator("#select-filter-offender_status")).to_have_value("Sentenced")
    expect(fresh.locator("#select-period")).to_have_value("2024-01-01")
    assert fresh.locator("#headline-value strong").get_attribute("data-value") == sentenced
    assert chart_tables(fresh) == chart_tables(page)
    page.go_back()  # the previous view comes back with the browser's Back button
    expect(page.locator("#select-period")).to_have_value("")


def check_a_part_year_is_said_to_be_one_beside_the_headline(page: Page) -> None:
    """Admissions: the fixture's release is as of 2026-07-01, so its 2026 admissions cover half a year."""
    expect(page.locator("#headline-value")).to_contain_text("2026")
    expect(page.locator("#headline-note")).to_have_text(re.compile(r"^2026 is a part year: .* 2026-07-01\.$"))
    page.select_option("#select-filter-race", "White")  # the note follows the view
    expect(page.locator("#headline-note")).to_contain_text("2026 is a part year")


def check_a_whole_year_has_no_part_year_note(page: Page) -> None:
    """Releases: 2025 is the latest release year, a whole one."""
    expect(page.locator("#headline-note")).to_have_text("")


def test_a_view_over_the_dimension_budget_says_which_filter_to_drop(page: Page, base_url: str) -> None:
    # Three filters use the whole dimension budget: no breakdown can be added, and the page says so.
    filters = "filter=agency:DOC&filter=offender_status:Sentenced&filter=race:White"
    open_page(page, f"{base_url}/dashboards/custodial?{filters}")
    expect(page.locator("#main")).to_contain_text("remove a filter to see it")
    assert page.locator("section.chart[data-state=error]").count() == 0
    assert page.locator("section.chart[data-chart^=by-]").count() == 0


def test_a_combination_the_release_does_not_publish_shows_the_api_reason(
    page: Page, base_url: str, logged_errors: list[str]
) -> None:
    cohort, unpublished = UNPUBLISHED
    open_page(page, f"{base_url}/dashboards/{cohort}?filter=offender_status:Sentenced&filter=race:White")
    refused = page.locator("section.chart[data-chart=by-governing_offense_type]")
    expect(refused).to_have_attribute("data-state", "error")
    expect(refused.locator(".chart-error")).to_contain_text(f"the combination {unpublished.replace(',', ', ')} is not")
    expect(refused.locator("a.builder-link")).to_have_count(1)  # the same query can still be opened and adjusted
    assert page.locator("section.chart[data-state=ready]").count() >= 2  # the other charts are drawn
    assert logged_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    logged_errors.clear()  # the browser's own line for the refused request, and nothing else


# ---- the reference pages -----------------------------------------------------------------------------------------


def check_the_glossary_defines_every_cohort_dimension_value_and_measure(page: Page, base_url: str) -> None:
    catalog = httpx.get(f"{base_url}/api/v1/cohorts", timeout=10).json()
    for cohort in catalog["cohorts"]:
        section = page.locator(f"section[data-cohort={cohort['cohort']}]")
        for dimension in cohort["dimensions"]:
            values = section.locator(f"dd[data-values={dimension['dimension']}]")
            for value in dimension["values"]:
                expect(values).to_contain_text(value)
        for metric in cohort["metrics"]:
            expect(section.locator(f"dt[data-metric={metric['metric']}]")).to_have_text(metric["label"])


def check_the_downloads_page_lists_every_release_and_file(page: Page, base_url: str) -> None:
    releases = httpx.get(f"{base_url}/api/releases", timeout=10).json()
    assert releases and all(release["downloads"] for release in releases)
    for release in releases:
        section = page.locator(f'section[data-release="{release["id"]}"]')
        expect(section.locator("h2")).to_contain_text(release["as_of"])
        links = [link.get_attribute("href") for link in section.locator("a").all()]
        assert links == [download["url"] for download in release["downloads"]]


def test_every_reference_page_has_no_axe_violation_and_no_internal_reference(page: Page, base_url: str) -> None:
    for path in REFERENCE_PAGES:
        open_page(page, f"{base_url}{path}")
        if path in REFERENCE_PAGE_CHECKS:
            REFERENCE_PAGE_CHECKS[path](page, base_url)  # the page's own content, on the same load
        assert axe_violations(page) == [], path
        assert_no_internal_reference(page)
        page.set_viewport_size({"width": 360, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.set_viewport_size({"width": 1280, "height": 900})


def check_every_dashboard_control_is_reached_with_the_keyboard(page: Page) -> None:
    """Custodial, as loaded: each control is a Tab away, in reading order."""
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    wanted = {"select-filter-agency", "select-filter-race", "select-measure", "select-period"}
    reached: set[str] = set()
    for _ in range(40):  # each control is a Tab away, in reading order
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id"))
        if wanted <= reached:
            break
    assert wanted <= reached


# ---- served safely -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*REFERENCE_PAGES[1:], "/dashboards/custodial"])
def test_the_pages_load_only_same_origin_files_and_run_no_inline_script(api_client: TestClient, path: str) -> None:
    answer = api_client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "'unsafe-eval'" not in answer.headers["content-security-policy"]
    for reference in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", answer.text):
        if not reference.startswith(("data:", "#")):
            assert reference.startswith("/") and not reference.startswith("//"), reference
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", answer.text, flags=re.S):
        assert "src=" in attributes and not body.strip()


def test_a_dashboard_without_the_charting_library_says_how_to_install_it(
    api_client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "VENDOR_DIR", tmp_path)
    answer = api_client.get("/dashboards/custodial")
    assert answer.status_code == 503
    assert "vega.min.js" in answer.json()["error"] and "make setup" in answer.json()["error"]
    assert api_client.get("/dashboards/nonsense").status_code == 404


def catalog_texts() -> list[str]:
    """Every description the public catalog carries (cubes, partitions, dimensions, metrics)."""
    texts: set[str] = set()
    for cube in public_cubes().values():
        texts.add(cube["description"])
        for entry in [*cube["partitions"], *cube["dimensions"], *cube["metrics"]]:
            texts.add(entry["description"])
    return sorted(texts)


def check_catalog_texts_read_in_plain_language_without_rule_references(page: Page, base_url: str) -> None:
    """On any page (the FAQ's): the pages' plain-language filter drops rule references from catalog texts."""
    texts = catalog_texts()
    assert any(re.search(r"\bR-[A-Z]+-\d", text) for text in texts)  # the catalog does carry rule references
    shown = page.evaluate("(texts) => texts.map((text) => window.Crosstrack.plain(text))", texts)
    for text, plain in zip(texts, shown, strict=True):
        assert not re.search(r"\bSPEC\b|\bR-[A-Z]+-\d", plain), (text, plain)
        assert "()" not in plain and not plain.endswith(("(", ",")), (text, plain)
        # Only the references go: the words of the sentence stay.
        words = re.sub(r"\(?\bR-[A-Z]+-\d+(?:\.\.\d+)?\)?:?", " ", text).split()
        assert len(plain.split()) >= len(words) - 3, (text, plain)


# Checks of one page's own content, run on the page load of the test that covers every dashboard or reference page
# (one load a page keeps the browser suite short).
DASHBOARD_CHECKS = {
    "recidivism": check_incomplete_follow_up_is_absent_not_zero,
    "admissions": check_a_part_year_is_said_to_be_one_beside_the_headline,
    "releases": check_a_whole_year_has_no_part_year_note,
}
REFERENCE_PAGE_CHECKS = {
    "/glossary": check_the_glossary_defines_every_cohort_dimension_value_and_measure,
    "/downloads": check_the_downloads_page_lists_every_release_and_file,
    "/faq": check_catalog_texts_read_in_plain_language_without_rule_references,
}
