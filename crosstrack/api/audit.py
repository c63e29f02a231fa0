"""The audit log of the restricted endpoints: one JSON line per request under the restricted prefix, whatever its
outcome (R-PUB-1), written before the answer leaves the server.

`RestrictedAudit` wraps the whole application, so a request is logged whether a route answered it or the router
did (404, 405 for POST/HEAD/OPTIONS, 307 for a trailing slash). The answer is held until its audit line is written;
when the line cannot be written the answer is replaced by a 503 that discloses nothing (fail closed). The client
is the socket's peer: only a configured trusted proxy may name another (crosstrack/api/app.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RULES = ("R-PUB-1",)  # the rules of docs/rules.md this module implements

RESTRICTED_PREFIX = "/api/v1/restricted"
TIMELINE_PATH = RESTRICTED_PREFIX + "/persons/{person_key}/timeline"
SEARCH_PATH = RESTRICTED_PREFIX + "/person-search"  # its identifiers travel in the query string, never logged
OTHER_PATH = RESTRICTED_PREFIX + "/{other}"
# A person key (docs/identity.md, "Person keys"): `pk_` and 32 random hex digits, never derived from an identifier.
# Anything else in the path is kept out of the audit log, so the log never holds a SID or a name.
PERSON_KEY = re.compile(r"^pk_[0-9a-f]{32}$")
_TIMELINE = re.compile(r"^" + re.escape(RESTRICTED_PREFIX) + r"/persons/([^/]*)/timeline/?$")
STATE_KEY = "audit_entry"
REFUSED_BODY = json.dumps(
    {"error": "the access cannot be recorded in the audit log, so it is refused", "parameter": None}
).encode()

logger = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, **fields: Any) -> None:
        """Append one line: timestamp first, then the fields. Raises OSError when the log cannot be written,
        so an access that cannot be recorded is not served."""
        entry = {"timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), **fields}
        line = json.dumps(entry, sort_keys=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(descriptor, "a") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())


def is_restricted(path: str) -> bool:
    return path == RESTRICTED_PREFIX or path.startswith(RESTRICTED_PREFIX + "/")


def logged_path(path: str) -> tuple[str, str | None]:
    """The path as it may be written down and the person key in it: the path itself only when it holds a
    well-formed person key, else a template (the path could carry a SID or a name)."""
    if path == SEARCH_PATH:
        return SEARCH_PATH, None
    match = _TIMELINE.match(path)
    if match is None:
        return OTHER_PATH, None
    if PERSON_KEY.match(match.group(1)) is None:
        return TIMELINE_PATH, None
    return path, match.group(1)


def new_entry() -> dict[str, Any]:
    """What a route adds to the audit line of its request (who, once the key is verified)."""
    return {"key_id": None, "key_name": None, "role": None}


class RestrictedAudit:
    """ASGI middleware: every request under RESTRICTED_PREFIX is written to `audit` before its answer is sent."""

    def __init__(self, app: ASGIApp, audit: AuditLog) -> None:
        self.app = app
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_restricted(scope["path"]):
            await self.app(scope, receive, send)
            return
        entry = new_entry()
        scope.setdefault("state", {})[STATE_KEY] = entry
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        status = 500
        try:
            await self.app(scope, receive, hold)
            if held and held[0]["type"] == "http.response.start":
                status = held[0]["status"]
        finally:
            path, person_key = logged_path(scope["path"])
            client = scope.get("client")
            try:
                await run_in_threadpool(
                    self.audit.record,
                    key_id=entry["key_id"],
                    key_name=entry["key_name"],
                    role=entry["role"],
                    client=f"{client[0]}:{client[1]}" if client else None,
                    method=scope["method"],
                    path=path,
                    person_key=person_key,
                    status=status,
                )
            except OSError:
                logger.exception("the audit log %s cannot be written; the answer is refused", self.audit.path)
                held = _refusal()
        for message in held:
            await send(message)


def _refusal() -> list[Message]:
    return [
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(REFUSED_BODY)).encode())],
        },
        {"type": "http.response.body", "body": REFUSED_BODY},
    ]
