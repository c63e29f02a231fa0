"""Where the API finds its files: command-line options first, then environment variables, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PUBLIC_DB = Path("warehouse/public/crosstrack_public.duckdb")
DEFAULT_WAREHOUSE = Path("warehouse/crosstrack.duckdb")
DEFAULT_KEYS = Path("warehouse/api_keys.json")
DEFAULT_AUDIT_LOG = Path("warehouse/audit.log")


@dataclass(frozen=True)
class ApiSettings:
    public_db: Path  # the published public release (SPEC R-PUB-1: aggregates only); opened read-only
    warehouse: Path  # the restricted warehouse (person level); opened read-only by restricted endpoints only
    keys_file: Path  # hashed API keys (crosstrack apikey)
    audit_log: Path  # JSON lines, one per restricted access, allowed or refused

    @classmethod
    def from_env(
        cls,
        public_db: Path | None = None,
        warehouse: Path | None = None,
        keys_file: Path | None = None,
        audit_log: Path | None = None,
    ) -> ApiSettings:
        """Explicit arguments win; otherwise CROSSTRACK_PUBLIC_DB, CROSSTRACK_DB, CROSSTRACK_API_KEYS,
        CROSSTRACK_AUDIT_LOG; otherwise the defaults under warehouse/."""
        return cls(
            public_db=public_db or _env_path("CROSSTRACK_PUBLIC_DB", DEFAULT_PUBLIC_DB),
            warehouse=warehouse or _env_path("CROSSTRACK_DB", DEFAULT_WAREHOUSE),
            keys_file=keys_file or _env_path("CROSSTRACK_API_KEYS", DEFAULT_KEYS),
            audit_log=audit_log or _env_path("CROSSTRACK_AUDIT_LOG", DEFAULT_AUDIT_LOG),
        )


def _env_path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else default
