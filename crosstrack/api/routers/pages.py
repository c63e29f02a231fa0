"""The public pages beside the query builder: a dashboard per cohort, the glossary, the methodology, the FAQ and
the downloads page. Each is a fragment of crosstrack/api/static/pages/ set in one layout (layout.html: head,
navigation, footer), whose script reads every number and definition from the public API (/api/v1/cohorts,
/api/v1/query, /api/releases): no page computes a statistic.

The dashboards chart with Vega-Lite, vendored from the npm registry into crosstrack/api/static/vendor/ by
`make setup` (package.json, package-lock.json); a dashboard answers 503 naming the missing file when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

from crosstrack.api.errors import error_body

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGES_DIR = STATIC_DIR / "pages"
VENDOR_DIR = STATIC_DIR / "vendor"
# What the dashboards load from VENDOR_DIR, in load order (make setup copies them there).
VENDOR_FILES = ("vega.min.js", "vega-lite.min.js", "vega-interpreter.min.js", "vega-embed.min.js")
# The cohorts that have a dashboard, by their catalog name.
DASHBOARDS = ("custodial", "admissions", "releases", "recidivism", "risk_and_needs")


@dataclass(frozen=True)
class Page:
    """A page: its content (a fragment of PAGES_DIR, set in layout.html), title and scripts (after site.js)."""

    content: str
    title: str
    scripts: tuple[str, ...]
    kind: str = "reference"


REFERENCE_SCRIPTS = ("/static/reference.js",)
PAGES = {
    "/dashboards": Page("dashboards.html", "Dashboards", REFERENCE_SCRIPTS),
    "/glossary": Page("glossary.html", "Glossary", REFERENCE_SCRIPTS),
    "/methodology": Page("methodology.html", "Methodology", REFERENCE_SCRIPTS),
    "/faq": Page("faq.html", "Frequently asked questions", REFERENCE_SCRIPTS),
    "/downloads": Page("downloads.html", "Downloads", REFERENCE_SCRIPTS),
}
DASHBOARD = Page(
    "dashboard.html",
    "Dashboard",
    (*(f"/static/vendor/{name}" for name in VENDOR_FILES), "/static/dashboard.js"),
    kind="dashboard",
)


def missing_vendor_files(folder: Path | None = None) -> list[str]:
    """The charting files the dashboards need that are not installed (in `folder`, default VENDOR_DIR)."""
    folder = folder or VENDOR_DIR
    return [name for name in VENDOR_FILES if not (folder / name).is_file() or (folder / name).stat().st_size == 0]


def render(page: Page) -> Response:
    """The page's content set in the shared layout (head, navigation, footer), or a 404 naming what is missing."""
    layout, content = PAGES_DIR / "layout.html", PAGES_DIR / page.content
    for path in (layout, content):
        if not path.is_file():
            return JSONResponse(
                error_body(f"no page {path.name} is installed (crosstrack/api/static/pages)", None), 404
            )
    scripts = "".join(f'  <script src="{src}" defer></script>\n' for src in page.scripts)
    body = "\n".join(f"    {line}" if line else "" for line in content.read_text(encoding="utf-8").splitlines())
    html = Template(layout.read_text(encoding="utf-8")).substitute(
        title=page.title, scripts=scripts, main=body, kind=page.kind
    )
    return HTMLResponse(html)


@router.get("/dashboards/{cohort}")
def dashboard(cohort: str) -> Response:
    if cohort not in DASHBOARDS:
        return JSONResponse(error_body(f"no dashboard {cohort!r}; offered: {', '.join(DASHBOARDS)}", None), 404)
    missing = missing_vendor_files()
    if missing:
        message = (
            "the charting library is not installed (missing crosstrack/api/static/vendor/"
            f"{', '.join(missing)}): run `make setup`, which runs npm ci and copies it"
        )
        return JSONResponse(error_body(message, None), 503)
    return render(DASHBOARD)


def _serve(page: Page):
    def serve() -> Response:
        return render(page)

    return serve


for _path, _page in PAGES.items():
    router.add_api_route(_path, _serve(_page), methods=["GET"])
