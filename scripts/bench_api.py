r"""Load-test the public query API: N concurrent clients for D seconds against a published release.

    .venv/bin/python scripts/bench_api.py --public-db warehouse/public/crosstrack_public.duckdb \
        --clients 20 --duration 30

Starts `crosstrack serve` on a free localhost port (its default number of workers unless --workers), reads the
catalog, builds a fixed-seed mix of valid queries (random cohort, partition filter or none, 0-3 grouped or filtered
dimensions with the offender-status filter the offense dimensions need (R-CHG-4), a subset of the metrics,
JSON or CSV) plus, for a share of the requests (--large-share), the largest answers the release gives (one
dimension over every partition, not cacheable), runs the clients and prints the request count, throughput,
p50/p95/p99 latency (all requests, and the regular ones apart from the large), errors (non-2xx answers and
exceptions), the CPU share of the load generator and of the server, and the server's memory
(all its processes) after warm-up, at the end and at peak, with the growth between the first two (a soak:
--duration 600). Before the clients start, a few concurrent health checks make each worker open the release
(which reads its cells). Memory growth is (RSS at the end - RSS at the warm-up point) / RSS at the warm-up
point, the RSS being the sum over the server's processes (supervisor and workers) sampled every 2 s; the
warm-up point is WARMUP_FRACTION of the run, at least WARMUP_MIN_S and at most WARMUP_MAX_S seconds in (60 s of
a 10-minute soak). Exits 1 when any request failed. It prints figures; it asserts no speed.

The clients are a closed loop: each sends one request on its keep-alive connection, waits for the whole answer,
then sends the next. All of them run on one event loop (uvloop) with requests encoded once up front and answers
read by httptools' parser (the server's own) without decoding the gzip, so that the generator takes little of the
CPU it shares with the server: a tenth of what one thread and one httpx client per client took, whose hundred
threads at 100 clients took more CPU than the server. httpx serves only the setup (catalog, large answers).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httptools
import httpx
import uvloop

from crosstrack.pipeline import venv_bin

OFFENDER_STATUS = "offender_status"
WARMUP_FRACTION, WARMUP_MIN_S, WARMUP_MAX_S = 0.1, 10.0, 60.0
REQUEST_TIMEOUT_S = 30.0
ERROR_TEXT_BYTES = 200


@dataclass
class ClientTally:
    latencies_ms: list[float] = field(default_factory=list)
    large_latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(public_db: Path, port: int, workers: int | None = None) -> subprocess.Popen[bytes]:
    command = [venv_bin("crosstrack"), "serve", "--public-db", str(public_db), "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until_up(base_url: str, server: subprocess.Popen[bytes], timeout: float = 300.0) -> dict[str, Any]:
    """The catalog, once the server answers it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            stderr = server.stderr.read().decode(errors="replace") if server.stderr else ""
            raise SystemExit(f"bench_api: the server exited with {server.returncode}:\n{stderr}")
        try:
            answer = httpx.get(f"{base_url}/api/v1/cohorts", timeout=5)
            if answer.status_code == 200:
                return answer.json()
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"bench_api: the server did not answer within {timeout:.0f} s")


def warm_workers(base_url: str, requests: int = 8) -> None:
    """Concurrent health checks, so that each worker has opened the release before the clients start."""
    threads = [
        threading.Thread(target=httpx.get, args=(f"{base_url}/healthz",), kwargs={"timeout": 120})
        for _ in range(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _name(entry: dict[str, Any], *keys: str) -> str:
    return next(str(entry[key]) for key in keys if entry.get(key) is not None)


def random_query(rng: random.Random, cohort: dict[str, Any]) -> list[tuple[str, str]]:
    """One valid request: at most max_dimensions grouped or filtered dimensions, R-CHG-4 respected."""
    dimensions = {_name(d, "dimension", "name"): d for d in cohort["dimensions"]}
    partitions = [name for name in cohort["partition_columns"] if name in dimensions]
    grouping = [d for name, d in dimensions.items() if name not in partitions and not d.get("is_partition")]
    budget = rng.randint(0, int(cohort["max_dimensions"]))
    filters: dict[str, str] = {}
    for name in partitions:
        values = dimensions[name].get("values") or []
        if values and rng.random() < 0.8:
            filters[name] = rng.choice(values)

    status_values = (dimensions.get(OFFENDER_STATUS) or {}).get("values") or []
    if budget and status_values and rng.random() < 0.4:
        filters[OFFENDER_STATUS] = rng.choice(status_values)
    used = {OFFENDER_STATUS} if OFFENDER_STATUS in filters else set()
    allowed = [
        _name(d, "dimension", "name")
        for d in grouping
        if not d.get("requires_offender_status") or filters.get(OFFENDER_STATUS) == d["requires_offender_status"]
    ]
    candidates = [name for name in allowed if name not in used]
    rng.shuffle(candidates)
    dims: list[str] = []
    for name in candidates[: max(0, budget - len(used))]:
        values = dimensions[name].get("values") or []
        if values and rng.random() < 0.25:
            filters[name] = rng.choice(values)
        else:
            dims.append(name)

    metrics = [_name(m, "metric", "name") for m in cohort["metrics"]]
    chosen_metrics = rng.sample(metrics, rng.randint(1, len(metrics))) if metrics else []
    params: list[tuple[str, str]] = [("cohort", _name(cohort, "cohort", "name"))]
    if dims:
        params.append(("dims", ",".join(dims)))
    params.extend(("filter", f"{name}:{value}") for name, value in filters.items())
    if chosen_metrics and rng.random() < 0.7:
        params.append(("metrics", ",".join(chosen_metrics)))
    params.append(("format", rng.choice(["json", "csv"])))
    return params


def published_sets(public_db: Path) -> dict[str, dict[str, int]]:
    """Per cohort, the grouping sets the release publishes and their row counts (read from the file itself;
    empty when the release has no pub_grouping_sets, and every set within max_dimensions is answered)."""
    with duckdb.connect(str(public_db), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute("select table_name from duckdb_tables() where schema_name = 'public'").fetchall()
        }
        if "pub_grouping_sets" not in tables:
            return {}
        sets: dict[str, dict[str, int]] = {}
        for cohort, table in con.execute("select cohort, table_name from public.pub_cohorts").fetchall():
            if table not in tables:
                continue
            counts = dict(con.execute(f'select "dimensions", count(*) from public."{table}" group by 1').fetchall())
            published = con.execute("select dimensions from public.pub_grouping_sets where cohort = ?", [cohort])
            sets[cohort] = {key: counts.get(key, 0) for (key,) in published.fetchall()}
        return sets


def grouping_key(cohort: dict[str, Any], params: list[tuple[str, str]]) -> str:
    """The cube's `dimensions` value a query reads: grouped and filtered non-partition dimensions, sorted."""
    partitions = set(cohort["partition_columns"])
    names = {name for key, value in params if key == "dims" for name in value.split(",")}
    names |= {value.split(":", 1)[0] for key, value in params if key == "filter"}
    return ",".join(sorted(names - partitions))


def build_queries(
    catalog: dict[str, Any], count: int, seed: int, sets: dict[str, dict[str, int]]
) -> list[list[tuple[str, str]]]:
    """`count` valid queries; where the release lists its published grouping sets, only queries of those."""
    rng = random.Random(seed)
    cohorts = [c for c in catalog["cohorts"] if c.get("dimensions")]
    if not cohorts:
        raise SystemExit("bench_api: the catalog offers no cohort")
    queries: list[list[tuple[str, str]]] = []
    while len(queries) < count:
        cohort = rng.choice(cohorts)
        params = random_query(rng, cohort)
        published = sets.get(_name(cohort, "cohort", "name"))
        if not sets or (published is not None and grouping_key(cohort, params) in published):
            queries.append(params)
    return queries


def large_queries(
    base_url: str, catalog: dict[str, Any], sets: dict[str, dict[str, int]], keep: int = 4
) -> list[tuple[list[tuple[str, str]], int]]:
    """The `keep` largest answers: the grouping sets with the most rows (or, without a list of published sets, one
    dimension per query) over every partition, as JSON and CSV; each asked once here to check it is answered and
    to measure it."""
    candidates: list[list[tuple[str, str]]] = []
    for cohort in catalog["cohorts"]:
        name = _name(cohort, "cohort", "name")
        dimensions = {_name(d, "dimension", "name"): d for d in cohort["dimensions"]}
        if sets:
            largest = sorted(sets.get(name, {}).items(), key=lambda item: -item[1])[:3]
            groupings = [key.split(",") for key, _ in largest if key]
        else:
            groupings = [[key] for key, d in dimensions.items() if not d.get("is_partition")]
        for grouping in groupings:
            needed = {dimensions[d].get("requires_offender_status") for d in grouping if d in dimensions} - {None}
            if len(needed) > 1:
                continue
            params = [("cohort", name), ("dims", ",".join(d for d in grouping if d != OFFENDER_STATUS or not needed))]
            params += [("filter", f"{OFFENDER_STATUS}:{status}") for status in needed]
            candidates += [[*params, ("format", format_)] for format_ in ("json", "csv")]
    sized: list[tuple[list[tuple[str, str]], int]] = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for params in candidates:
            answer = client.get("/api/v1/query", params=params)
            if answer.status_code == 200:
                sized.append((params, len(answer.content)))
    sized.sort(key=lambda item: -item[1])
    return sized[:keep]


class _Exchange(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection of a client: sends a request, and resolves `answer` with the status and the
    body's size (plus its start for an error) once the whole body has come (httptools' parser, the one the server
    uses: a chunked or compressed body is received whole and not decoded)."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[tuple[int, int, bytes]] | None = None
        self.size = 0
        self.start = b""
        self.lost: Exception | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc or ConnectionResetError("the server closed the connection")
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(self.lost)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self.answer is not None and not self.answer.done():
                self.answer.set_exception(exc)
            if self.transport is not None:
                self.transport.close()

    def on_body(self, body: bytes) -> None:
        if len(self.start) < ERROR_TEXT_BYTES:
            self.start += body[:ERROR_TEXT_BYTES]
        self.size += len(body)

    def on_message_complete(self) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), self.size, self.start))

    def send(self, request: bytes) -> asyncio.Future[tuple[int, int, bytes]]:
        if self.lost is not None or self.transport is None:
            raise self.lost or ConnectionResetError("not connected")
        self.size, self.start = 0, b""
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.answer


def request_bytes(host: str, params: list[tuple[str, str]]) -> bytes:
    """The raw GET of /api/v1/query with `params`, as a client taking gzip sends it (encoded once, up front)."""
    target = "/api/v1/query?" + urllib.parse.urlencode(params)
    return f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n".encode()


async def run_client(
    address: tuple[str, int],
    queries: list[bytes],
    large: list[bytes],
    large_share: float,
    seed: int,
    stop_at: float,
    tally: ClientTally,
) -> None:
    """A closed-loop client: one request at a time on one keep-alive connection (reopened if it fails), each
    latency taken from the send to the last byte of the body."""
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    exchange: _Exchange | None = None
    while time.monotonic() < stop_at:
        is_large = bool(large) and rng.random() < large_share
        request = rng.choice(large) if is_large else rng.choice(queries)
        started = time.perf_counter()
        try:
            if exchange is None or exchange.lost is not None:
                _, exchange = await loop.create_connection(_Exchange, *address)
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                status, _, start = await exchange.send(request)
            if not 200 <= status < 300:
                tally.errors[f"HTTP {status}: {start.decode(errors='replace')[:ERROR_TEXT_BYTES]}"] += 1
        except (OSError, TimeoutError, httptools.HttpParserError) as exc:
            tally.errors[f"{type(exc).__name__}: {exc}"] += 1
            if exchange is not None and exchange.transport is not None:
                exchange.transport.close()
            exchange = None
        elapsed_ms = (time.perf_counter() - started) * 1000
        (tally.large_latencies_ms if is_large else tally.latencies_ms).append(elapsed_ms)
    if exchange is not None and exchange.transport is not None:
        exchange.transport.close()


async def run_clients(
    address: tuple[str, int],
    queries: list[bytes],
    large: list[bytes],
    large_share: float,
    seed: int,
    duration: float,
    tallies: list[ClientTally],
) -> None:
    """All the clients on this one event loop (uvloop), so the generator costs little CPU per request."""
    stop_at = time.monotonic() + duration
    await asyncio.gather(
        *(run_client(address, queries, large, large_share, seed + i, stop_at, tally) for i, tally in enumerate(tallies))
    )


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def current_rss_mib(pid: int) -> float:
    """The process's peak resident set so far (VmHWM), from /proc; NaN where /proc is not available."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's workers are children of its supervisor)."""
    found = [pid]
    for parent in found:
        try:
            for task in Path(f"/proc/{parent}/task").iterdir():
                found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_rss_mib(pid: int) -> float:
    """The resident memory of the server's processes together (VmRSS), in MiB; NaN without /proc."""
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024 if total else float("nan")


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by the server's processes (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


class MemoryWatch(threading.Thread):
    """Samples the server's memory every `interval` seconds until stopped."""

    def __init__(self, pid: int, interval: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self._stop_event.is_set():
            self.samples.append((time.monotonic() - started, tree_rss_mib(self.pid)))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.samples.append((float("inf"), tree_rss_mib(self.pid)))


def stop_server(server: subprocess.Popen[bytes]) -> float:
    """Stop the server and return its peak RSS in MiB (ru_maxrss of the exited child)."""
    server.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(server.pid, os.WNOHANG)
        if pid:
            server.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_maxrss / 1024
        time.sleep(0.1)
    server.kill()
    _, status, usage = os.wait4(server.pid, 0)
    server.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--public-db", type=Path, default=Path("warehouse/public/crosstrack_public.duckdb"))
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--queries", type=int, default=500, help="distinct queries in the mix (default 500)")
    parser.add_argument("--seed", type=int, default=20170101)
    parser.add_argument("--workers", type=int, help="server worker processes (default: crosstrack serve's)")
    parser.add_argument(
        "--large-share",
        type=float,
        default=0.02,
        help="share of requests asking one of the largest answers (default 0.02)",
    )
    args = parser.parse_args(argv)
    if not args.public_db.exists():
        parser.error(f"{args.public_db} does not exist (make demo publishes it)")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(args.public_db, port, args.workers)
    try:
        catalog = wait_until_up(base_url, server)
        warm_workers(base_url)
        sets = published_sets(args.public_db)
        queries = build_queries(catalog, args.queries, args.seed, sets)
        large = large_queries(base_url, catalog, sets) if args.large_share > 0 else []
        formats = Counter(dict(params)["format"] for params in queries)
        print(
            f"{len(catalog['cohorts'])} cohorts; {len(queries)} distinct queries "
            f"({formats['json']} json, {formats['csv']} csv); {args.clients} clients for {args.duration:g} s"
        )
        for params, size in large:
            print(f"large answer ({args.large_share:.0%} of requests): {size / 1e6:.2f} MB  {dict(params)}")
        tallies = [ClientTally() for _ in range(args.clients)]
        host = f"127.0.0.1:{port}"
        requests = [request_bytes(host, params) for params in queries]
        large_requests = [request_bytes(host, params) for params, _ in large]
        watch = MemoryWatch(server.pid)
        watch.start()
        server_cpu_before = tree_cpu_seconds(server.pid)
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        uvloop.run(
            run_clients(
                ("127.0.0.1", port),
                requests,
                large_requests,
                args.large_share,
                args.seed,
                args.duration,
                tallies,
            )
        )
        elapsed = time.perf_counter() - started
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = tree_cpu_seconds(server.pid) - server_cpu_before
        watch.stop()
        peak_while_running = current_rss_mib(server.pid)
    finally:
        peak_rss = stop_server(server) if server.returncode is None else float("nan")

    regular = sorted(ms for tally in tallies for ms in tally.latencies_ms)
    large_ms = sorted(ms for tally in tallies for ms in tally.large_latencies_ms)
    latencies = sorted(regular + large_ms)
    errors: Counter[str] = Counter()
    for tally in tallies:
        errors.update(tally.errors)
    error_count = sum(errors.values())
    peak = peak_rss if math.isnan(peak_while_running) else max(peak_rss, peak_while_running)
    print(f"requests      {len(latencies):>10,}")
    print(f"throughput    {len(latencies) / elapsed:>10,.1f} req/s")
    for label, values in (("all", latencies), ("regular", regular), ("large", large_ms)):
        if not values:
            continue
        print(
            f"latency {label:<8} n={len(values):,}  p50 {percentile(values, 0.50):.1f}  "
            f"p95 {percentile(values, 0.95):.1f}  p99 {percentile(values, 0.99):.1f}  "
            f"mean {statistics.fmean(values):.1f} ms"
        )
    print(f"errors        {error_count:>10,}")
    cores = os.cpu_count() or 1
    own_cpu = (own_after.ru_utime - own_before.ru_utime) + (own_after.ru_stime - own_before.ru_stime)
    print(
        f"CPU share     load generator {own_cpu / elapsed / cores:.0%}, server {server_cpu / elapsed / cores:.0%} "
        f"of {cores} cores"
    )
    warm_at = max(WARMUP_MIN_S, min(WARMUP_MAX_S, args.duration * WARMUP_FRACTION))
    warm = next((mib for at, mib in watch.samples if at >= warm_at), watch.samples[0][1])
    end = watch.samples[-1][1]
    largest = max(mib for _, mib in watch.samples)
    print(
        f"server memory after warm-up ({warm_at:.0f} s) {warm:.0f} MiB, at the end {end:.0f} MiB "
        f"(growth {(end - warm) / warm:+.1%}), peak {largest:.0f} MiB (all processes)"
    )
    print(f"server peak RSS {peak:>8.0f} MiB (supervisor or single process)")
    for message, count in errors.most_common(5):
        print(f"  {count:>6} x {message}")
    return 1 if error_count else 0


if __name__ == "__main__":
    sys.exit(main())
