"""dbt-duckdb plugin: registers `crosstrack_keyed_hash(varchar) -> bigint` on every connection dbt opens.

The function is HMAC-SHA256 keyed with the deployment secret (crosstrack/secret.py), reduced to an integer in
[0, 2^43 - 1): the records' fingerprints of R-PUB-3 (macros/record_fingerprint.sql). The secret is read
from its file on the first call, never passed through dbt, so it appears in no compiled SQL, manifest, run result,
log or docs page; `dbt parse`, `run-operation` and renders that never call the function need no secret. A missing
or unfit secret fails the model that calls the function, with the SecretError message.

profiles.yml registers it with `plugins: [{module: crosstrack.dbt_plugin}]`.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.func import FunctionNullHandling, PythonUDFType
from duckdb.sqltypes import BIGINT, VARCHAR

from crosstrack.secret import load_secret, secret_path

RULES = ("R-PUB-3", "R-PUB-5")  # the rules of docs/rules.md this module implements

FUNCTION_NAME = "crosstrack_keyed_hash"
# 2^43 - 1: fingerprints lie in [0, MODULUS). A cell's key is the sum of its records' fingerprints: a sum of up to
# 2^20 of them fits 64 bits, and sums of different sets of records practically never meet (with 2^31 - 1, two
# recidivism cells of unrelated records shared a key, and so their noise, at scale 1.0).
MODULUS = 2**43 - 1

_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


def _secret() -> bytes:
    """The deployment secret, loaded once per process and secret file on first use (SecretError if missing or
    unfit; an error is not cached, so a fixed file is picked up)."""
    path = secret_path()
    key = _keys.get(path)
    if key is None:
        with _lock:
            key = _keys.get(path)
            if key is None:
                key = _keys[path] = load_secret(path)
    return key


def keyed_hashes(values: list[bytes | None], key: bytes) -> np.ndarray:
    """HMAC-SHA256(key, value) as integers in [0, MODULUS): the digest's first 8 bytes, big-endian, mod MODULUS.
    A null value gives 0 here and is masked by the caller.

    This is RFC 2104 HMAC computed from the two padded-key SHA-256 states prepared once per call and copied per
    value (twice as fast as hmac.digest per value); test_secret checks it against hmac.new.
    """
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    inner_state = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer_state = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    empty = bytes(8)

    def prefix(value: bytes | None) -> bytes:
        if value is None:
            return empty
        inner = inner_state.copy()
        inner.update(value)
        outer = outer_state.copy()
        outer.update(inner.digest())
        return outer.digest()[:8]

    prefixes = b"".join([prefix(value) for value in values])
    return (np.frombuffer(prefixes, dtype=">u8") % MODULUS).astype(np.int64)


def keyed_hash(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The vectorized (arrow) scalar function: a varchar array in, a bigint array out, null in -> null out."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    key = _secret()
    hashes = keyed_hashes(values.cast(pa.binary()).to_pylist(), key)  # the UTF-8 bytes, no re-encoding
    mask = values.is_null().to_numpy(zero_copy_only=False) if values.null_count else None
    return pa.array(hashes, type=pa.int64(), mask=mask)


def register(conn: DuckDBPyConnection) -> None:
    """Register crosstrack_keyed_hash on `conn` (idempotent)."""
    with contextlib.suppress(duckdb.InvalidInputException):  # not registered yet on this connection
        conn.remove_function(FUNCTION_NAME)
    conn.create_function(
        FUNCTION_NAME,
        keyed_hash,
        [VARCHAR],
        BIGINT,
        type=PythonUDFType.ARROW,
        null_handling=FunctionNullHandling.SPECIAL,
        side_effects=False,
    )


class Plugin(BasePlugin):
    """Registers crosstrack_keyed_hash on every connection and cursor; reads no configuration (no secret path
    or value is ever rendered into the profile)."""

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
