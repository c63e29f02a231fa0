"""The deployment secret: one file, read at run time, never rendered into SQL, dbt artifacts or docs.

It keys the records' fingerprints (R-PUB-3, the `crosstrack_keyed_hash` SQL function registered by
crosstrack/dbt_plugin.py), hence the noise of every published cell. It lives in a file of its own (env
`CROSSTRACK_SECRET_FILE`, default `<project>/.secrets/crosstrack.key`, mode 0600), created once per deployment with
`crosstrack secret init` and kept: a new secret draws the noise of every cell anew.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

from crosstrack.settings import ENV_PREFIX, current_settings

RULES = ("R-PUB-3", "R-PUB-5")  # the rules of docs/rules.md this module implements

SECRET_FILE_ENV = ENV_PREFIX + "SECRET_FILE"
HEX = re.compile(r"[0-9a-fA-F]+")
MIN_HEX_CHARS = 32  # 16 bytes of entropy
PLACEHOLDERS = frozenset({"changeme", "change-me", "change_me", "secret", "password", "default", "example", "todo"})
HOW_TO_CREATE = "create one with `crosstrack secret init` (or `crosstrack secret init --file PATH`)"


class SecretError(RuntimeError):
    """The deployment secret is missing or unfit; the message names the file, the fault and how to create one."""


def secret_path() -> Path:
    """The secret file: env CROSSTRACK_SECRET_FILE, else <project>/.secrets/crosstrack.key (crosstrack/settings.py)."""
    return current_settings().secret_file


def _refuse(path: Path, fault: str) -> SecretError:
    return SecretError(f"deployment secret {path}: {fault}; {HOW_TO_CREATE}, mode 0600 ({SECRET_FILE_ENV} names it)")


def load_secret(path: Path | None = None) -> bytes:
    """The secret's bytes (the file holds them as hexadecimal text), or SecretError when the file is missing,
    empty, too short, a placeholder, one repeated character, not hexadecimal, or readable by group or others."""
    path = secret_path() if path is None else Path(path)
    try:
        mode = path.stat().st_mode
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _refuse(path, "no such file") from None
    except OSError as exc:
        raise _refuse(path, f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise _refuse(path, "not a regular file")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _refuse(path, f"mode {stat.S_IMODE(mode):04o} lets group or others read it (chmod 600 it)")
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise _refuse(path, "not hexadecimal text") from None
    if not text:
        raise _refuse(path, "the file is empty")
    if text.lower() in PLACEHOLDERS or len(set(text.lower())) == 1:
        raise _refuse(path, "a placeholder, not a secret")
    if not HEX.fullmatch(text):
        raise _refuse(path, "not hexadecimal text")
    if len(text) < MIN_HEX_CHARS:
        raise _refuse(path, f"{len(text)} hex characters, at least {MIN_HEX_CHARS} needed")
    if len(text) % 2:
        raise _refuse(path, f"{len(text)} hex characters, an odd number (whole bytes expected)")
    return bytes.fromhex(text)


def create_secret(path: Path | None = None) -> Path:
    """Write a fresh secret (64 hex characters) at `path` with mode 0600, its folder 0700, only if it is absent."""
    path = secret_path() if path is None else Path(path)
    if path.exists():
        return path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return path
