"""Browser safety (issue 11, part 5): security headers on every answer, the pages load nothing from another
origin (Swagger UI is served from the installed package), and links in answers start with the configured public
base URL, never with the Host header a client sends."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from crosstrack.api import create_app
from crosstrack.settings import Settings

QUERY = "/api/v1/query?cohort=custodial&dims=agency"
PAGES = ("/", "/docs")
# src= or href= of a tag, and url(...) in CSS.
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", [*PAGES, QUERY, "/api/v1/cohorts", "/healthz", "/no/such/page", "/static/app.js"])
def test_every_answer_carries_the_security_headers(api_client: TestClient, path: str) -> None:
    response = api_client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    directives = csp_directives(response)
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["script-src"] == "script-src 'self'"


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_load_everything_from_this_origin_and_run_no_inline_script(api_client: TestClient, path: str) -> None:
    page = api_client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    references = REFERENCE.findall(page.text)
    assert references, "the page loads its scripts and styles"
    for reference in references:
        if reference.startswith("data:") or reference.startswith("#"):
            continue
        assert reference.startswith("/") and not reference.startswith("//"), reference  # same origin only
        assert api_client.get(reference).status_code == 200, reference  # and served
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.S):
        attributes, body = script
        assert "src=" in attributes and not body.strip()  # no inline script


def test_the_documentation_page_uses_the_packaged_swagger_ui(api_client: TestClient) -> None:
    bundle = api_client.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text
    assert api_client.get("/docs-assets/index.html").status_code == 404  # the package's example page is not served
    assert api_client.get("/docs-assets/swagger-initializer.js").status_code == 404
    assert api_client.get("/redoc").status_code == 404  # FastAPI's CDN-loading page is off


def test_links_in_answers_come_from_the_configured_base_url_not_the_host_header(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"api_public_url": "https://data.example.gov/crosstrack/"})
    with TestClient(create_app(settings)) as client:
        body = client.get(QUERY, headers={"Host": "evil.example.com"}).json()
    for link in (body["query_url"], body["csv_url"]):
        assert link.startswith("https://data.example.gov/crosstrack/api/v1/query?cohort=custodial"), link
        assert "evil" not in link


def test_an_error_does_not_echo_a_flood_of_parameters(api_client: TestClient) -> None:
    flood = "&".join(f"junk_{index:05d}_{'x' * 50}=1" for index in range(1000))  # about 60 KB of names
    for path in (f"{QUERY}&{flood}", f"/api/v1/cohorts?{flood}"):
        response = api_client.get(path)
        assert response.status_code == 400
        assert len(response.content) < 1000
        assert "and 995 more" in response.json()["error"]
