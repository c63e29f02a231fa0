"""Cross-Tracking: an open, reproducible criminal-justice data warehouse."""

__version__ = "0.1.0"
