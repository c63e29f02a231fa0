"""The Cross-Tracking API (R-API-1, R-API-2): public aggregates from the published release, and the
restricted person-level timeline for cleared users (R-PUB-1).

Two separate read-only connections: the public one opens only the published public file (there is no
person-level table in it to reach), the restricted one opens the warehouse and is used only after an API key of a
permitted role was verified; every restricted access, allowed or refused, is written to the audit log.

The routes live in routers (crosstrack/api/routers/) and receive what they use through dependencies
(crosstrack/api/dependencies.py); this module builds those once per application and answers errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from crosstrack.api import schemas
from crosstrack.api.audit import AuditLog, RestrictedAudit
from crosstrack.api.browser import DOCS_ASSETS, SWAGGER_UI_DIR, SecurityHeaders
from crosstrack.api.cache import ResponseCache
from crosstrack.api.catalog import load_catalog
from crosstrack.api.compression import GZIP_LEVEL, GZIP_MINIMUM_BYTES
from crosstrack.api.database import DatabaseUnavailable, ReadOnlyDatabase
from crosstrack.api.errors import ApiError, error_body
from crosstrack.api.keys import KeyStore, KeyStoreError
from crosstrack.api.routers import pages, public, releases, restricted
from crosstrack.api.throttle import Throttle, limits_folder
from crosstrack.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def _error(status: int, message: str, parameter: str | None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(message, parameter), status_code=status, headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over the files named in `settings` (default: the settings of the environment)."""
    settings = settings or Settings()
    app = FastAPI(
        docs_url=None,  # FastAPI's own pages load Swagger UI and ReDoc from a CDN: /docs is served below instead
        redoc_url=None,
        title="Cross-Tracking API",
        version="1.0",
        summary="Anonymized cross-agency criminal-justice aggregates (public) and the person timeline (restricted).",
        description=(
            "Public endpoints read the published public release only: aggregates by cohort, dimensions and filters, "
            "with small cells suppressed (R-API-1, R-API-2, R-PUB-2). Every answer is a published cell looked "
            "up as it is. Restricted endpoints need an `X-API-Key` of role `restricted` and are audited."
        ),
    )
    # What the dependencies hand to the routes (crosstrack/api/dependencies.py).
    app.state.settings = settings
    app.state.public = ReadOnlyDatabase(settings.public_db, load_catalog, "public release")
    app.state.restricted = ReadOnlyDatabase(settings.db, lambda connection: None, "restricted warehouse")
    app.state.keys = KeyStore(settings.api_keys)
    app.state.audit = AuditLog(settings.audit_log)
    app.state.throttle = Throttle(
        settings.api_failed_key_limit, settings.api_restricted_limit, limits_folder(settings.audit_log)
    )
    app.state.answers = ResponseCache(settings.api_cache_bytes, settings.api_cache_entry_bytes)
    app.state.release_databases = {}  # release id -> its database, for queries naming an earlier release

    @app.exception_handler(ApiError)
    def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.parameter, exc.headers)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problem = exc.errors()[0] if exc.errors() else {}
        location = problem.get("loc", ())
        parameter = str(location[-1]) if location else None
        return _error(400, f"{parameter}: {problem.get('msg', 'invalid')}", parameter)

    @app.exception_handler(DatabaseUnavailable)
    def unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return _error(503, str(exc), None)

    @app.exception_handler(KeyStoreError)
    def key_store_unavailable(request: Request, exc: KeyStoreError) -> JSONResponse:
        return _error(503, "the key store cannot be read", None)

    @app.exception_handler(Exception)
    def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Never a stack trace or a bare text/plain 500: the answer says only that the server failed.
        return _error(500, "internal error", None)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), None)

    # Middleware, innermost first: the audit sees the client as the proxy middleware left it.
    app.add_middleware(RestrictedAudit, audit=app.state.audit)
    if settings.api_trusted_proxies.strip():
        # The client named by X-Forwarded-For, only for a request whose socket peer is a configured proxy
        # (`crosstrack serve` switches uvicorn's own proxy handling off).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.api_trusted_proxies)
    # Answers above GZIP_MINIMUM_BYTES (JSON, CSV, HTML, scripts, styles) are gzipped for a client that accepts
    # it; a streamed CSV stays streamed, and a large body is compressed in a worker thread, off the event loop. A
    # query answer comes already compressed (and cached so) and passes through as it is.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(SecurityHeaders)

    app.include_router(public.router)
    app.include_router(restricted.router)
    app.include_router(releases.router)
    app.include_router(pages.router)  # the dashboards, glossary, methodology, FAQ and downloads pages

    # ---- the page -------------------------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return _installed_page("index.html", "page")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return _installed_page("docs.html", "documentation page")

    @app.get(DOCS_ASSETS + "/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        # Only the two files the page loads.
        if name not in ("swagger-ui.css", "swagger-ui-bundle.js"):
            return _error(404, "not found", None)
        return FileResponse(SWAGGER_UI_DIR / name)

    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _installed_page(name: str, what: str) -> Response:
    """An HTML page of crosstrack/api/static/, or a 404 saying it is not installed."""
    page = STATIC_DIR / name
    if not page.is_file():
        return _error(404, f"no {what} is installed (crosstrack/api/static/{name})", None)
    return FileResponse(page)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document without its 422 responses: a bad parameter is a 400 here, with the parameter named."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    components = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    # The query's JSON body is returned as it is built; its shape is documented here for readers and tests.
    components["QueryResponse"] = schemas.QueryResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in components["QueryResponse"].pop("$defs", {}).items():
        components.setdefault(name, definition)
    app.openapi_schema = document
    return document
