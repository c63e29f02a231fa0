"""Shared pytest fixtures."""

from warehouse_build import built_warehouse  # noqa: F401  (the session's small-scale warehouse)
