"""scripts/bench_api.py's load generator: closed-loop clients on one event loop, each latency taken from the send to
the last byte of the body (whole or chunked), errors counted, a closed connection reopened."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_api.py"
_spec = importlib.util.spec_from_file_location("bench_api", SCRIPT)
bench_api = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = bench_api  # its dataclasses look their module up
_spec.loader.exec_module(bench_api)

BODY = b"x" * 5000
ANSWERS = {
    b"whole": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY),
    # Sent in two writes, so the body comes in more than one piece.
    b"chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n" % (len(BODY), BODY),
    b"missing": b'HTTP/1.1 404 Not Found\r\nContent-Length: 17\r\n\r\n{"error": "none"}',
}
CHUNKED_END = b"0\r\n\r\n"


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[bytes]) -> None:
    """Answers by the request's first parameter value; `close` answers and then closes the connection."""
    while head := await reader.readuntil(b"\r\n\r\n"):
        target = head.split(b" ", 2)[1]
        name = target.split(b"=", 1)[1].split(b"&", 1)[0]
        seen.append(name)
        if name == b"close":
            writer.write(ANSWERS[b"whole"])
            await writer.drain()
            writer.close()
            return
        writer.write(ANSWERS[name])
        await writer.drain()
        if name == b"chunked":
            await asyncio.sleep(0.01)
            writer.write(CHUNKED_END)


def run(names: list[str], large: list[str], large_share: float, clients: int, duration: float) -> tuple[list, list]:
    async def scenario() -> tuple[list, list]:
        seen: list[bytes] = []

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await serve(reader, writer, seen)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()

        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        host = f"127.0.0.1:{port}"
        tallies = [bench_api.ClientTally() for _ in range(clients)]
        async with server:
            await bench_api.run_clients(
                ("127.0.0.1", port),
                [bench_api.request_bytes(host, [("answer", name)]) for name in names],
                [bench_api.request_bytes(host, [("answer", name)]) for name in large],
                large_share,
                1,
                duration,
                tallies,
            )
        return tallies, seen

    return asyncio.run(scenario())


def test_the_clients_time_whole_and_chunked_answers_and_count_errors() -> None:
    tallies, seen = run(["whole", "chunked", "missing"], ["chunked"], 0.2, clients=3, duration=0.5)
    latencies = [ms for tally in tallies for ms in tally.latencies_ms]
    large = [ms for tally in tallies for ms in tally.large_latencies_ms]
    assert len(latencies) + len(large) == len(seen) > 10  # every request sent was answered and timed
    assert large and min(large) >= 10  # a chunked answer is timed to its last chunk (sent 10 ms after the first)
    errors = sum(sum(tally.errors.values()) for tally in tallies)
    assert errors == seen.count(b"missing") > 0
    messages = {message for tally in tallies for message in tally.errors}
    assert messages == {'HTTP 404: {"error": "none"}'}


def test_a_client_whose_connection_is_closed_opens_another() -> None:
    tallies, seen = run(["close"], [], 0.0, clients=1, duration=0.3)
    assert len(seen) > 3  # went on after the first connection was closed
    # An answer sent whole before the close counts; a request on the closed connection is an error, then a new one.
    assert tallies[0].latencies_ms
