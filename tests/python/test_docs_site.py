"""The docs site (`make docs`, crosstrack/docs_site.py) built once from the session's warehouse, then read in
Debian's chromium from file:// and over HTTP: every page renders without a console error, loads nothing from
another origin, and every internal link (with its #fragment) resolves; search works offline. Its generated pages
hold the latest build's figures and nothing person-level, restricted or secret."""

from __future__ import annotations

import functools
import html
import json
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import duckdb
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from test_quality_report import delivered_values, quarantine

from crosstrack.docs_site import DocsSiteError, SiteInputs, build_site, refuse_secret
from crosstrack.releases import current_id, get_release
from crosstrack.secret import SECRET_FILE_ENV
from crosstrack.settings import PROJECT_DIR

pytestmark = pytest.mark.warehouse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TIMEOUT_MS = 90_000  # the dbt page inlines its manifest (about 8 MB): seconds to parse on a busy machine
PERSON_KEY = re.compile(r"pk_[0-9a-f]{32}")  # the registry's random person keys (docs/identity.md)
DBT_PAGE = "dbt/index.html"  # a single-page app: its links are routes inside the page, not crawled


@pytest.fixture(scope="module")
def site(built_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "site"
    inputs = SiteInputs(
        target=built_warehouse.target,
        quality_dir=built_warehouse.quality,
        public_db=built_warehouse.public_database,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SECRET_FILE_ENV, raising=False)
        build_site(inputs, out)
    return out


@pytest.fixture(scope="module")
def http_root(site: Path) -> Iterator[str]:
    """The site served by python's http.server on a free localhost port, in a thread."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, name="docs-site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (scripts/ensure_chromium.sh)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Crawl:
    pages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # console errors, script errors, requests elsewhere
    broken: list[str] = field(default_factory=list)  # "page -> link": a target or #fragment that does not exist


def resource_exists(url: str) -> bool:
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path)).is_file()
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status == 200
    except OSError:
        return False


def crawl(browser: Browser, root: str) -> Crawl:
    """Every page reachable from root/index.html by internal links; non-HTML targets are checked to exist."""
    result = Crawl()
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and result.errors.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: result.errors.append(f"{page.url}: {error}"))
    allowed = (root, "data:", "blob:", "about:")
    page.on("request", lambda request: request.url.startswith(allowed) or result.errors.append(request.url))
    queue, seen = [root + "index.html"], {root + "index.html"}
    anchors: dict[str, set[str]] = {}
    fragment_links: list[tuple[str, str, str]] = []  # (page, target, fragment)
    while queue:
        url = queue.pop(0)
        if not url.endswith(".html"):
            if not resource_exists(url):
                result.broken.append(url)
            continue
        response = page.goto(url, wait_until="load")
        if response is not None and not response.ok:
            result.broken.append(url)
            continue
        result.pages.append(url)
        if url.endswith(DBT_PAGE):
            expect(page.locator("body")).to_contain_text("Exposures")  # the manifest is inlined and read
            continue
        anchors[url] = set(page.eval_on_selector_all("[id]", "nodes => nodes.map(n => n.id)"))
        for link in page.eval_on_selector_all("a[href]", "nodes => nodes.map(n => n.href)"):
            target, fragment = urldefrag(link)
            if not target.startswith(root):
                continue
            if fragment and not target.endswith(DBT_PAGE):
                fragment_links.append((url, target, unquote(fragment)))
            if target not in seen:
                seen.add(target)
                queue.append(target)
    for source, target, fragment in fragment_links:
        if target in anchors and fragment not in anchors[target]:
            result.broken.append(f"{source} -> {target}#{fragment}")
    context.close()
    return result


@pytest.fixture(scope="module", params=["file", "http"])
def crawled(request, browser: Browser, site: Path) -> Crawl:
    root = site.as_uri() + "/" if request.param == "file" else request.getfixturevalue("http_root")
    return crawl(browser, root)


def test_every_page_renders_without_console_errors_and_loads_nothing_from_elsewhere(crawled: Crawl) -> None:
    assert len(crawled.pages) >= 20, crawled.pages
    assert crawled.errors == []


def test_every_internal_link_resolves(crawled: Crawl) -> None:
    assert crawled.broken == []


def test_every_narrative_page_and_generated_page_is_reached(crawled: Crawl, site: Path) -> None:
    reached = {unquote(urlparse(url).path).rsplit("/site/", 1)[-1].lstrip("/") for url in crawled.pages}
    expected = {path.with_suffix(".html").name for path in (PROJECT_DIR / "docs").glob("*.md")}
    expected |= {"build/test_results.html", "build/reconciliation.html", "build/disclosure_audit.html"}
    expected |= {"build/data_quality_report.html", DBT_PAGE}
    expected |= {f"build/reports/{path.name}" for path in (site / "build/reports").glob("*.html")}
    assert expected - reached == set()
    assert any(name.startswith("build/reports/quarterly_recidivism_") for name in reached)


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_search_works_offline(scheme: str, browser: Browser, site: Path, request) -> None:
    root = site.as_uri() + "/" if scheme == "file" else request.getfixturevalue("http_root")
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page: Page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(root + "index.html")
    # The search reads the box on a key's release (keyup) or when its index is ready, so the query is typed key by
    # key (fill sends no keyup); typed before the index is ready it may be dropped: type it again until the
    # results come, for as long as a page load may take.
    search, results = page.locator("input.md-search__input"), page.locator(".md-search-result__item")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        search.fill("")
        search.press_sequentially("quarantine")
        try:
            expect(results.first).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
    assert results.count() > 0
    context.close()
    assert errors == []


# ---- what the generated pages hold ------------------------------------------------------------------------------


def page_text(site: Path, name: str) -> str:
    """A page's text and attributes without its tags and style sheet (a colour such as #116611 is not text)."""
    page = re.sub(r"<style[^>]*>.*?</style>", " ", (site / name).read_text(encoding="utf-8"), flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", page)


def table_numbers(html: str) -> list[int]:
    return [int(cell.replace(",", "")) for cell in re.findall(r"<td>([\d,]+)</td>", html)]


def test_the_test_results_page_counts_every_node_of_the_build(site: Path, built_warehouse) -> None:
    results = json.loads((built_warehouse.target / "build_run_results.json").read_text(encoding="utf-8"))["results"]
    counted = [r for r in results if r["unique_id"].split(".")[0] in ("test", "unit_test", "model", "seed")]
    html = (site / "build/test_results.html").read_text(encoding="utf-8")
    # every table's rows and its total row: the sum of every number shown is twice the nodes
    assert sum(table_numbers(html)) == 2 * len(counted)
    data_tests = sum(1 for r in results if r["unique_id"].startswith("test.") and r["status"] == "pass")
    assert data_tests > 100
    assert re.search(rf"<strong>total</strong></td>\s*<td>{data_tests}</td>", html)
    for layer in ("staging", "intermediate", "marts", "public"):
        assert f"<td>{layer}</td>" in html


def test_the_reconciliation_page_lists_every_file_with_its_rows(site: Path, built_warehouse) -> None:
    files = json.loads((built_warehouse.quality / "reconciliation.json").read_text(encoding="utf-8"))["files"]
    html = (site / "build/reconciliation.html").read_text(encoding="utf-8")
    assert len(files) > 20
    for entry in files:
        assert re.search(rf"<td>{re.escape(entry['file'])}</td>\s*<td>{entry['received']:,}</td>", html), entry
        for reason in (*entry["quarantined_by_reason"], *entry["rejected_by_reason"]):
            assert reason not in html  # a gate reason can quote a delivered value: counts only


def test_the_disclosure_audit_page_points_to_the_recorded_figures(site: Path) -> None:
    html = (site / "build/disclosure_audit.html").read_text(encoding="utf-8")
    assert 'href="../public_layer.html#attacks-and-what-they-recover"' in html


def test_the_site_holds_no_secret_no_person_and_no_restricted_report(site: Path, built_warehouse, deployment_secret):
    with duckdb.connect(str(built_warehouse.database), read_only=True) as con:
        keys = [row[0] for row in con.execute("select person_key from restricted.person_key_registry").fetchall()]
        sids = [
            row[0]
            for row in con.execute(
                "select distinct sid from intermediate.int_person_records_unioned where sid is not null"
            ).fetchall()
        ]
    assert keys and sids
    assert all(PERSON_KEY.fullmatch(key) for key in keys)
    secrets = (deployment_secret.hex, deployment_secret.hex.upper())
    for path in (path for path in site.rglob("*") if path.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert not any(secret in text for secret in secrets), path
        assert not set(PERSON_KEY.findall(text)) & set(keys), path
        assert 'content="restricted"' not in text and "sid_capture_2" not in path.name, path
    generated = " ".join(page_text(site, str(p.relative_to(site))) for p in (site / "build").rglob("*.html"))
    assert not set(re.findall(r"\w+", generated)) & set(sids)  # no SID as a word of a generated page
    # every field of every quarantined row, as test_quality_report finds them, in the pages about the delivery
    values = delivered_values(built_warehouse.landing, quarantine(built_warehouse.quality))
    assert len(values) > 10
    for name in ("build/data_quality.html", "build/data_quality_report.html", "build/reconciliation.html"):
        text = html.unescape(page_text(site, name))
        assert [value for value in values if value in text] == [], name


def test_a_site_holding_the_secret_is_refused(tmp_path: Path, deployment_secret, monkeypatch) -> None:
    monkeypatch.setenv(SECRET_FILE_ENV, str(deployment_secret.path))
    (tmp_path / "clean.html").write_text("<p>counts only</p>")
    refuse_secret(tmp_path)  # a clean site passes
    (tmp_path / "leak.html").write_text(f"<p>{deployment_secret.hex}</p>")
    with pytest.raises(DocsSiteError, match=r"leak\.html holds the deployment secret"):
        refuse_secret(tmp_path)


def test_the_site_shows_the_report_archived_with_the_current_release(site: Path, built_warehouse) -> None:
    # R-RPT-1: the site links the release's own files (the same bytes), and says which release they belong to.
    release = get_release(built_warehouse.published, current_id(built_warehouse.published))
    archived = {path.name: path.read_bytes() for path in release.reports()}
    assert sorted(archived) == [f"quarterly_recidivism_{built_warehouse.as_of}.{kind}" for kind in ("csv", "html")]
    shown = {path.name: path.read_bytes() for path in (site / "build/reports").iterdir()}
    assert shown == archived
    assert f"archived with release <code>{release.id}</code>" in (site / "build/reports.html").read_text()
