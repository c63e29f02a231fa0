"""No answer starves the others (issue 11, part 2): a lookup not in the cache runs off the event loop, answers
have a maximum size with pages (JSON and CSV, stable order, a link to the next), long CSV pages are streamed, and
the answer cache is bounded in bytes."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import os
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from crosstrack.api import app as app_module
from crosstrack.api import catalog as catalog_module
from crosstrack.api import create_app, query
from crosstrack.api.browser import SECURITY_HEADERS
from crosstrack.api.cache import ResponseCache
from crosstrack.api.catalog import load_catalog
from crosstrack.api.compression import GZIP_MINIMUM_BYTES
from crosstrack.api.routers import public as public_routes
from crosstrack.settings import Settings

CACHED = "/api/v1/query?cohort=custodial&dims=agency"
HEAVY = "/api/v1/query?cohort=recidivism&dims=agency,race"
TABLE = "/api/v1/query?cohort=custodial&dims=agency,race,offender_status"
HEAVY_SECONDS = 1.0
# The stated bound: while a heavy answer is being computed, a cached answer still comes within this.
CACHED_BOUND_SECONDS = 0.3


def test_a_heavy_answer_does_not_hold_up_a_cached_one(api_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    real_run_query = public_routes.run_query

    def slow_for_recidivism(cursor: Any, request: query.QueryRequest) -> query.QueryResult:
        if request.cohort.name == "recidivism":
            time.sleep(HEAVY_SECONDS)  # stands for a large lookup and its rendering
        return real_run_query(cursor, request)

    monkeypatch.setattr(public_routes, "run_query", slow_for_recidivism)
    app = create_app(api_settings)

    async def scenario() -> tuple[float, float, int, int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get(CACHED)).status_code == 200  # now in the cache

            start = time.perf_counter()

            async def timed(url: str, delay: float) -> tuple[float, int]:
                # From when the request is due, not from when the event loop got round to sending it.
                await asyncio.sleep(delay)
                response = await client.get(url)
                return time.perf_counter() - start - delay, response.status_code

            (heavy, heavy_status), (cached, cached_status) = await asyncio.gather(timed(HEAVY, 0), timed(CACHED, 0.1))
            return heavy, cached, heavy_status, cached_status

    heavy, cached, heavy_status, cached_status = asyncio.run(scenario())
    assert (heavy_status, cached_status) == (200, 200)
    assert heavy >= HEAVY_SECONDS
    assert cached < CACHED_BOUND_SECONDS, f"a cached answer took {cached:.2f} s while a heavy one ran"


def rows_of_every_page(client: TestClient, url: str) -> tuple[list[dict], int]:
    rows: list[dict] = []
    pages = 0
    while url:
        body = client.get(url).json()
        assert body["row_count"] == len(body["rows"]) <= query.PAGE_ROWS
        rows += body["rows"]
        pages += 1
        url = body["next_url"]
    return rows, pages


def test_a_long_table_comes_in_pages_that_add_up_to_it(
    api_client: TestClient, api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = api_client.get(TABLE).json()
    assert whole["next_url"] is None and whole["total_row_count"] == len(whole["rows"]) > 7
    monkeypatch.setattr(query, "PAGE_ROWS", 3)
    api_client = TestClient(create_app(api_settings))  # a fresh answer cache
    first = api_client.get(TABLE).json()
    assert first["total_row_count"] == whole["total_row_count"] and first["page"] == 1
    assert first["next_url"].endswith("&page=2")
    rows, pages = rows_of_every_page(api_client, TABLE)
    assert rows == whole["rows"]  # the same rows in the same order
    assert pages == -(-len(whole["rows"]) // 3)
    past = api_client.get(f"{TABLE}&page={pages + 1}")
    assert past.status_code == 400 and past.json()["parameter"] == "page"
    assert api_client.get(f"{TABLE}&page=0").status_code == 400


def test_csv_pages_link_to_the_next_and_add_up_to_the_table(
    api_client: TestClient, api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = list(csv.reader(io.StringIO(api_client.get(f"{TABLE}&format=csv").text)))
    monkeypatch.setattr(query, "PAGE_ROWS", 4)
    api_client = TestClient(create_app(api_settings))  # a fresh answer cache
    url: str | None = f"{TABLE}&format=csv"
    rows: list[list[str]] = []
    while url:
        response = api_client.get(url)
        page = list(csv.reader(io.StringIO(response.text)))
        assert page[0] == whole[0]  # every page has the header
        rows += page[1:]
        link = response.headers.get("link")
        url = link.split(">")[0].lstrip("<") if link else None
        assert link is None or link.endswith('rel="next"')
    assert rows == whole[1:]


def test_a_long_csv_page_is_streamed(api_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = api_client.get(f"{TABLE}&format=csv")
    assert "content-length" in whole.headers  # short: sent whole
    monkeypatch.setattr(public_routes, "STREAMED_CSV_ROWS", 2)
    monkeypatch.setattr(query, "CSV_CHUNK_ROWS", 3)
    streamed = api_client.get(f"{TABLE}&format=csv&metrics=record_count")
    assert "content-length" not in streamed.headers  # sent as it is written
    direct = api_client.get(f"{TABLE}&metrics=record_count").json()
    assert len(streamed.text.splitlines()) == 1 + direct["row_count"]


def test_the_answer_cache_is_bounded_in_bytes() -> None:
    cache = ResponseCache(max_bytes=1000, max_entry_bytes=600)
    catalog: Any = object()
    assert cache.get(catalog, ("first",)) is None  # binds the cache to this catalog
    for n in range(5):
        cache.put(catalog, (n,), (b"x" * 400, "application/json", {}))
    assert cache.size_bytes <= 1000
    assert cache.get(catalog, (4,)) is not None and cache.get(catalog, (0,)) is None  # oldest dropped first
    cache.put(catalog, ("big",), (b"x" * 700, "application/json", {}))
    assert cache.get(catalog, ("big",)) is None  # larger than one entry may be
    assert cache.get(object(), (4,)) is None  # another release: emptied
    assert cache.size_bytes == 0


def test_a_new_publication_is_read_off_the_event_loop(
    tmp_path: Path, api_public_db: Path, api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_the_loop: list[bool] = []

    def recorded(connection: Any) -> Any:
        try:
            asyncio.get_running_loop()
            on_the_loop.append(True)
        except RuntimeError:  # no event loop in this thread: a thread-pool worker
            on_the_loop.append(False)
        return load_catalog(connection)

    monkeypatch.setattr(app_module, "load_catalog", recorded)
    published = tmp_path / "crosstrack_public.duckdb"
    shutil.copyfile(api_public_db, published)
    with TestClient(create_app(api_settings.model_copy(update={"public_db": published}))) as client:
        assert client.get(CACHED).status_code == 200
        shutil.copyfile(api_public_db, tmp_path / "next.duckdb")
        os.replace(tmp_path / "next.duckdb", published)  # as publication does
        assert client.get(CACHED).status_code == 200
    assert on_the_loop == [False, False]  # the first open and the reopen, both in the thread pool


@pytest.mark.parametrize(
    "path",
    [TABLE, f"{TABLE}&format=csv", "/", "/dashboards/custodial", "/static/dashboard.js", "/static/style.css"],
)
def test_a_client_that_accepts_gzip_gets_the_same_bytes_gzipped(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setattr(app_module, "GZIP_MINIMUM_BYTES", 200)  # the test release's answers are small
    client = TestClient(create_app(api_settings))
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
    assert plain.status_code == zipped.status_code == 200
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip" and "accept-encoding" in zipped.headers["vary"].lower()
    assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content)
    for name, value in SECURITY_HEADERS.items():  # the security headers are kept
        assert zipped.headers[name] == value


def test_a_small_answer_is_not_gzipped(api_client: TestClient) -> None:
    response = api_client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(response.content) < app_module.GZIP_MINIMUM_BYTES and "content-encoding" not in response.headers


def test_a_long_csv_page_is_still_streamed_when_gzipped(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public_routes, "STREAMED_CSV_ROWS", 2)
    monkeypatch.setattr(query, "CSV_CHUNK_ROWS", 1)
    monkeypatch.setattr(query, "PAGE_ROWS", 1000)
    app = create_app(api_settings)
    url = "/api/v1/query?cohort=recidivism&dims=agency,race&format=csv&metrics=record_count"

    async def messages(accept: str) -> list[Message]:
        path, query_string = url.split("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query_string.encode(),
            "headers": [(b"host", b"test"), (b"accept-encoding", accept.encode())],
            "client": ("127.0.0.1", 5000),
            "server": ("test", 80),
        }
        sent: list[Message] = []
        requests = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive() -> Message:
            if requests:
                return requests.pop()
            await asyncio.Event().wait()  # the client stays connected
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent

    plain, zipped = asyncio.run(messages("identity")), asyncio.run(messages("gzip"))
    headers = {name.decode().lower(): value.decode() for name, value in zipped[0]["headers"]}
    assert headers["content-encoding"] == "gzip" and "content-length" not in headers
    plain_bodies = [message["body"] for message in plain[1:]]
    zipped_bodies = [message["body"] for message in zipped[1:]]
    assert len(zipped_bodies) == len(plain_bodies) > 3  # one message per piece written: sent as it is written
    assert gzip.decompress(b"".join(zipped_bodies)) == b"".join(plain_bodies)


def test_the_cells_are_read_at_open_and_a_query_reads_no_statement(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real_read = query.read_grouping_set

    def counted(cursor: Any, cohort: Any, grouping_key: str) -> Any:
        reads.append(grouping_key)
        return real_read(cursor, cohort, grouping_key)

    monkeypatch.setattr(query, "read_grouping_set", counted)
    urls = [
        f"{TABLE}&filter=snapshot_date:2024-01-01",
        f"{TABLE}&filter=snapshot_date:2025-01-01",
        TABLE,
        "/api/v1/query?cohort=custodial&dims=race,agency&filter=offender_status:Sentenced",
        "/api/v1/query?cohort=recidivism&dims=race&filter=followup_years:1&metrics=record_count",
    ]
    with TestClient(create_app(api_settings)) as client:
        held = [client.get(url).json() for url in urls]
    assert reads == []  # the current release's cells were read when it was opened
    # The same answers from one statement per query (how an earlier release is read: no cells held).
    monkeypatch.setattr(app_module, "load_catalog", catalog_module.load_catalog_without_cells)
    with TestClient(create_app(api_settings)) as client:
        read_each_time = [client.get(url).json() for url in urls]
    assert len(reads) == len(urls)
    assert [body["rows"] for body in held] == [body["rows"] for body in read_each_time]
    assert len({len(body["rows"]) for body in held}) > 1  # the filters chose different cells
    assert all(body["rows"] for body in held)


def test_a_large_answer_is_kept_compressed_for_a_client_that_takes_gzip(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    real_run_query = public_routes.run_query

    def counted(cursor: Any, request: query.QueryRequest) -> query.QueryResult:
        lookups.append(request.format)
        return real_run_query(cursor, request)

    monkeypatch.setattr(public_routes, "run_query", counted)
    with TestClient(create_app(api_settings)) as client:
        plain = client.get(TABLE, headers={"Accept-Encoding": "identity"})
        with client.stream("GET", TABLE, headers={"Accept-Encoding": "gzip"}) as zipped:
            raw = b"".join(zipped.iter_raw())
    assert len(plain.content) >= GZIP_MINIMUM_BYTES and gzip.decompress(raw) == plain.content
    # An entry limit the plain answer is over and the compressed one within.
    limit = (len(raw) + len(plain.content)) // 2
    lookups.clear()
    with TestClient(create_app(api_settings.model_copy(update={"api_cache_entry_bytes": limit}))) as client:
        for encoding in ("gzip", "gzip", "identity", "identity"):
            with client.stream("GET", TABLE, headers={"Accept-Encoding": encoding}) as response:
                body = b"".join(response.iter_raw())
            assert body == (raw if encoding == "gzip" else plain.content)
            assert response.headers.get("content-encoding") == ("gzip" if encoding == "gzip" else None)
    assert len(lookups) == 3  # the compressed answer was looked up once, the plain one (too large) each time


def test_a_lookup_of_cells_held_in_memory_takes_no_cursor(
    api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Performance only (docs/api.md, "How the files are read"): once the release is open with its cells held, an
    answer not in the cache is looked up without a cursor on the file (nor a second look at it)."""
    app = create_app(api_settings)
    public = app.state.public
    cursors: list[bool] = []
    real_cursor = public.cursor

    def counted() -> Any:
        cursors.append(True)
        return real_cursor()

    monkeypatch.setattr(public, "cursor", counted)
    with TestClient(app) as client:
        assert client.get(CACHED).status_code == 200  # opens the release (its cells held)
        assert all(cohort.cells is not None for cohort in public.derived().cohorts.values())
        cursors.clear()
        answers = [client.get(url) for url in (TABLE, f"{TABLE}&format=csv", HEAVY)]
    assert [response.status_code for response in answers] == [200, 200, 200]
    assert cursors == []
