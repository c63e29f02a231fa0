"""The Cross-Tracking API: `crosstrack serve`, or `uvicorn --factory crosstrack.api:create_app`."""

from crosstrack.api.app import create_app

__all__ = ["create_app"]
