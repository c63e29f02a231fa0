"""API keys for the restricted endpoints, stored hashed.

A key is `ctk_<key id>_<secret>`: the id finds the stored entry, the secret is checked against its scrypt hash
(per-key random salt, constant-time comparison). The file holds ids, names, roles, salts and hashes, never a key;
a key is shown once, when `crosstrack apikey add` creates it. Revoked keys stay listed with the time of revocation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

RULES = ("R-PUB-1",)  # the rules of docs/rules.md this module implements

# Roles: `restricted` may read the person-level endpoints (R-PUB-1: cleared government users);
# `public` identifies a client and grants nothing more than the public endpoints, which need no key.
ROLES = ("restricted", "public")
RESTRICTED_READERS = frozenset({"restricted"})

KEY_PREFIX = "ctk_"
KEY_PATTERN = re.compile(r"^ctk_([a-f0-9]{16})_([A-Za-z0-9_-]{20,100})$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$")
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_DUMMY_SALT = bytes(16)


class KeyStoreError(RuntimeError):
    """A key file that cannot be read or a change that cannot be made; the message says why."""


@dataclass(frozen=True)
class StoredKey:
    key_id: str
    name: str
    role: str
    salt: str  # hex
    hash: str  # hex scrypt(secret, salt)
    algorithm: str
    created_at: str
    revoked_at: str | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class Principal:
    """Who a verified key belongs to."""

    key_id: str
    name: str
    role: str


def _hash_secret(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, maxmem=64 * 1024 * 1024, **SCRYPT)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def read_keys(path: Path) -> list[StoredKey]:
    if not path.exists():
        return []
    try:
        document = json.loads(path.read_text())
        return [StoredKey(**entry) for entry in document["keys"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyStoreError(f"cannot read the key file {path}: {exc}") from exc


def write_keys(path: Path, keys: list[StoredKey]) -> None:
    """Write beside and move into place; readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    next_path = path.with_name(path.name + ".next")
    document = {"version": 1, "keys": [asdict(key) for key in keys]}
    descriptor = os.open(next_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    os.replace(next_path, path)


def add_key(path: Path, name: str, role: str) -> tuple[str, StoredKey]:
    """Create a key; returns the key (to show once) and what is stored (its hash only)."""
    if role not in ROLES:
        raise KeyStoreError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if not NAME_PATTERN.match(name):
        raise KeyStoreError("a key name is 1-100 letters, digits, spaces or . _ @ -, starting with a letter or digit")
    keys = read_keys(path)
    if any(key.name == name and key.is_active for key in keys):
        raise KeyStoreError(f"an active key named {name!r} exists; revoke it first or choose another name")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    stored = StoredKey(
        key_id=key_id,
        name=name,
        role=role,
        salt=salt.hex(),
        hash=_hash_secret(secret, salt).hex(),
        algorithm="scrypt-n16384-r8-p1",
        created_at=_now(),
    )
    write_keys(path, [*keys, stored])
    return f"{KEY_PREFIX}{key_id}_{secret}", stored


def revoke_key(path: Path, name_or_id: str) -> list[StoredKey]:
    """Revoke the active keys with this name or id; returns them. Raises KeyStoreError when there is none."""
    keys = read_keys(path)
    revoked_at = _now()
    matched = [key for key in keys if key.is_active and name_or_id in (key.name, key.key_id)]
    if not matched:
        raise KeyStoreError(f"no active key named {name_or_id!r} or with that id")
    updated = [StoredKey(**{**asdict(key), "revoked_at": revoked_at}) if key in matched else key for key in keys]
    write_keys(path, updated)
    return matched


def key_id_of(presented: str | None) -> str | None:
    """The key id a presented key claims (None when it is not shaped like a key)."""
    match = KEY_PATTERN.match(presented.strip()) if presented else None
    return match.group(1) if match else None


class KeyStore:
    """Verifies presented keys against the key file, rereading it when it changes (so a revocation takes effect)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._identity: tuple[int, int, int] | None = None
        self._keys: dict[str, StoredKey] = {}

    def _current(self) -> dict[str, StoredKey]:
        try:
            stat = self.path.stat()
            identity: tuple[int, int, int] | None = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            identity = None
        with self._lock:
            if identity != self._identity:
                keys = read_keys(self.path) if identity else []
                self._keys = {key.key_id: key for key in keys}
                self._identity = identity
            return self._keys

    def verify(self, presented: str | None) -> Principal | None:
        """The key's owner, or None for a missing, malformed, unknown, revoked or wrong key."""
        if not presented:
            return None
        match = KEY_PATTERN.match(presented.strip())
        stored = self._current().get(match.group(1)) if match else None
        secret = match.group(2) if match else presented
        salt = bytes.fromhex(stored.salt) if stored else _DUMMY_SALT
        digest = _hash_secret(secret, salt)  # computed even for an unknown id, so timing does not tell ids apart
        if stored is None or not stored.is_active:
            return None
        if not hmac.compare_digest(digest, bytes.fromhex(stored.hash)):
            return None
        return Principal(key_id=stored.key_id, name=stored.name, role=stored.role)
