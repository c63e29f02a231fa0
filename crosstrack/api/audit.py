"""The audit log of the restricted endpoints: one JSON line per access, allowed or refused (SPEC R-PUB-1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any


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
