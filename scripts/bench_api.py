r"""Load-test the public query API: N concurrent clients for D seconds against a published release.

    .venv/bin/python scripts/bench_api.py --public-db warehouse/public/crosstrack_public.duckdb \
        --clients 20 --duration 30

Starts `crosstrack serve` on a free localhost port, reads the catalog, builds a fixed-seed mix of valid queries
(random cohort, partition filter or none, 0-3 grouped or filtered dimensions with the offender-status filter the
offense dimensions need (SPEC R-CHG-4), a subset of the metrics, JSON or CSV), runs the clients (threads, one httpx
client each) and prints the request count, throughput, p50/p95/p99 latency, errors (non-2xx answers and
exceptions) and the server's peak RSS. Exits 1 when any request failed. It prints figures; it asserts no speed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from crosstrack.pipeline import venv_bin

OFFENDER_STATUS = "offender_status"


@dataclass
class ClientTally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(public_db: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    command = [venv_bin("crosstrack"), "serve", "--public-db", str(public_db), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_until_up(base_url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> dict[str, Any]:
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


def build_queries(catalog: dict[str, Any], count: int, seed: int) -> list[list[tuple[str, str]]]:
    rng = random.Random(seed)
    cohorts = [c for c in catalog["cohorts"] if c.get("dimensions")]
    if not cohorts:
        raise SystemExit("bench_api: the catalog offers no cohort")
    return [random_query(rng, rng.choice(cohorts)) for _ in range(count)]


def run_client(
    base_url: str, queries: list[list[tuple[str, str]]], seed: int, stop_at: float, tally: ClientTally
) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while time.monotonic() < stop_at:
            params = rng.choice(queries)
            started = time.perf_counter()
            try:
                answer = client.get("/api/v1/query", params=params)
                answer.read()
                if not 200 <= answer.status_code < 300:
                    tally.errors[f"HTTP {answer.status_code}: {answer.text[:200]}"] += 1
            except httpx.HTTPError as exc:
                tally.errors[f"{type(exc).__name__}: {exc}"] += 1
            tally.latencies_ms.append((time.perf_counter() - started) * 1000)


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
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    args = parser.parse_args(argv)
    if not args.public_db.exists():
        parser.error(f"{args.public_db} does not exist (make demo publishes it)")

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = start_server(args.public_db, port, args.workers)
    try:
        catalog = wait_until_up(base_url, server)
        queries = build_queries(catalog, args.queries, args.seed)
        formats = Counter(dict(params)["format"] for params in queries)
        print(
            f"{len(catalog['cohorts'])} cohorts; {len(queries)} distinct queries "
            f"({formats['json']} json, {formats['csv']} csv); {args.clients} clients for {args.duration:g} s"
        )
        tallies = [ClientTally() for _ in range(args.clients)]
        stop_at = time.monotonic() + args.duration
        started = time.perf_counter()
        threads = [
            threading.Thread(target=run_client, args=(base_url, queries, args.seed + i, stop_at, tallies[i]))
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        peak_while_running = current_rss_mib(server.pid)
    finally:
        peak_rss = stop_server(server) if server.returncode is None else float("nan")

    latencies = sorted(ms for tally in tallies for ms in tally.latencies_ms)
    errors: Counter[str] = Counter()
    for tally in tallies:
        errors.update(tally.errors)
    error_count = sum(errors.values())
    peak = peak_rss if math.isnan(peak_while_running) else max(peak_rss, peak_while_running)
    print(f"requests      {len(latencies):>10,}")
    print(f"throughput    {len(latencies) / elapsed:>10,.1f} req/s")
    print(f"latency p50   {percentile(latencies, 0.50):>10.1f} ms")
    print(f"latency p95   {percentile(latencies, 0.95):>10.1f} ms")
    print(f"latency p99   {percentile(latencies, 0.99):>10.1f} ms")
    print(f"latency mean  {statistics.fmean(latencies) if latencies else float('nan'):>10.1f} ms")
    print(f"errors        {error_count:>10,}")
    print(f"server peak RSS {peak:>8.0f} MiB")
    for message, count in errors.most_common(5):
        print(f"  {count:>6} x {message}")
    return 1 if error_count else 0


if __name__ == "__main__":
    sys.exit(main())
