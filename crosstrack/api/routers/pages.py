"""The public pages beside the query builder: a dashboard per cohort, the glossary, the methodology, the FAQ and
the downloads page. Each is a static HTML file of crosstrack/api/static/pages/ whose script reads every number and
definition from the public API (/api/v1/cohorts, /api/v1/query, /api/releases): no page computes a statistic.

The dashboards chart with Vega-Lite, vendored from the npm registry into crosstrack/api/static/vendor/ by
`make setup` (package.json, package-lock.json); a dashboard answers 503 naming the missing file when it is not.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from crosstrack.api.errors import error_body

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGES_DIR = STATIC_DIR / "pages"
VENDOR_DIR = STATIC_DIR / "vendor"
# What the dashboards load from VENDOR_DIR, in load order (make setup copies them there).
VENDOR_FILES = ("vega.min.js", "vega-lite.min.js", "vega-interpreter.min.js", "vega-embed.min.js")
# The cohorts that have a dashboard, by their catalog name.
DASHBOARDS = ("custodial", "admissions", "releases", "recidivism", "risk_and_needs")
# Path -> page file of PAGES_DIR.
PAGES = {
    "/glossary": "glossary.html",
    "/methodology": "methodology.html",
    "/faq": "faq.html",
    "/downloads": "downloads.html",
}


def missing_vendor_files(folder: Path | None = None) -> list[str]:
    """The charting files the dashboards need that are not installed (in `folder`, default VENDOR_DIR)."""
    folder = folder or VENDOR_DIR
    return [name for name in VENDOR_FILES if not (folder / name).is_file() or (folder / name).stat().st_size == 0]


def _page(name: str) -> Response:
    page = PAGES_DIR / name
    if not page.is_file():
        return JSONResponse(error_body(f"no page {name} is installed (crosstrack/api/static/pages)", None), 404)
    return FileResponse(page)


@router.get("/dashboards")
def dashboards() -> Response:
    return _page("dashboards.html")


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
    return _page("dashboard.html")


def _static_page(name: str):
    def serve() -> Response:
        return _page(name)

    return serve


for _path, _name in PAGES.items():
    router.add_api_route(_path, _static_page(_name), methods=["GET"])
