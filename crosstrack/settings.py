"""The one settings object: every path, secret file and limit the Python side reads, from `CROSSTRACK_*` variables.

Each field is read from the environment variable of its upper-cased name with the `CROSSTRACK_` prefix
(`db` from CROSSTRACK_DB, `api_keys` from CROSSTRACK_API_KEYS, ...); an empty variable counts as unset. Explicit
values (command-line options) win over the environment, the environment over the defaults below.

dbt reads some of the same variables itself (profiles.yml, the sources and macros/landing_base.sql read them with
`env_var`); `Settings.dbt_environment` is the one place that hands them to dbt. The secret file is named here,
never its content: the secret is read from that file at the moment it is used (crosstrack/secret.py).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENV_PREFIX = "CROSSTRACK_"
KEY_REGISTRY_NAME = "person_key_registry.parquet"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="forbid")

    # The restricted warehouse (person level): written by `crosstrack build`, read-only to the API.
    db: Path = Path("warehouse/crosstrack.duckdb")
    # The published public release (R-PUB-1: aggregates only), the API's public endpoints read it only.
    public_db: Path = Path("warehouse/public/crosstrack_public.duckdb")
    # Hashed API keys (`crosstrack apikey`).
    api_keys: Path = Path("warehouse/api_keys.json")
    # JSON lines, one per restricted access, allowed or refused.
    audit_log: Path = Path("warehouse/audit.log")
    # The person-key registry (docs/identity.md); default: person_key_registry.parquet beside the warehouse.
    key_registry: Path | None = None
    # The delivery (CSV), <dir>/<system>/<file>: the gate reads it; dbt reads the gate's typed records instead.
    landing_dir: Path = Path("data/landing")
    # The gate's row quarantine that staging excludes; none: nothing is excluded.
    quarantine_file: Path | None = None
    # The gate's typed records of the delivery, <dir>/<system>/<file>.parquet: what dbt's sources read.
    landing_parquet_dir: Path | None = None
    # The link stage's link table (docs/identity.md, "Probabilistic linkage"); none: the deterministic rules link.
    link_table: Path | None = None
    # The deployment secret's file (mode 0600; crosstrack/secret.py reads it, nothing else does).
    secret_file: Path = PROJECT_DIR / ".secrets" / "crosstrack.key"
    # The API's cache of rendered /api/v1/query answers: at most this many bytes in all, none larger than the second.
    api_cache_bytes: int = 32 * 1024 * 1024
    api_cache_entry_bytes: int = 1024 * 1024
    # The API's public base URL: links in answers (query_url, csv_url, next) start with it, never with the Host header.
    api_public_url: str = "http://127.0.0.1:8000"
    # Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the client in the audit
    # log; none: the client is the socket's peer, whatever a request's headers say.
    api_trusted_proxies: str = ""
    # Abuse limits (`limits` notation, e.g. "10/minute"): failed key checks per client address and per key id, and
    # restricted lookups per key; beyond them the API answers 429 with Retry-After.
    api_failed_key_limit: str = "10/minute"
    api_restricted_limit: str = "60/minute"

    @field_validator("secret_file", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("secret_file")
    @classmethod
    def _expand_user(cls, value: Path) -> Path:
        return value.expanduser()

    @classmethod
    def load(cls, **given: Any) -> Settings:
        """The settings with the values given that are not None (unset command-line options) over the environment."""
        return cls(**{name: value for name, value in given.items() if value is not None})

    def registry_for(self, warehouse: Path) -> Path:
        """The person-key registry of `warehouse`: key_registry if set, else the file beside the warehouse."""
        return self.key_registry if self.key_registry is not None else warehouse.parent / KEY_REGISTRY_NAME

    def environment(self, *names: str) -> dict[str, str]:
        """The named fields as the environment variables they come from (absolute paths; unset ones empty)."""
        values: dict[str, str] = {}
        for name in names:
            value = getattr(self, name)
            values[ENV_PREFIX + name.upper()] = "" if value is None else str(Path(value).resolve())
        return values

    def dbt_environment(self) -> dict[str, str]:
        """What dbt reads (profiles.yml, sources, macros) and the secret file the dbt plugin reads in its process."""
        resolved = self.model_copy(update={"key_registry": self.registry_for(self.db)})
        return resolved.environment(
            "db", "quarantine_file", "landing_parquet_dir", "key_registry", "link_table", "secret_file"
        )


def current_settings() -> Settings:
    """The settings of the environment as it is now, built once per distinct set of CROSSTRACK_* variables (cheap
    enough for a per-batch caller such as the dbt plugin's keyed hash)."""
    variables = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)))
    return _settings_of(variables)


@functools.lru_cache(maxsize=16)
def _settings_of(variables: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()  # reads exactly `variables` (the key of the cache) from the environment
