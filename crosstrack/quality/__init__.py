"""The data-quality gate: validates every extract of a delivery against the landing contract before it is loaded.

See docs/data_quality.md. Entry point: `crosstrack validate` (`crosstrack.quality.command`).
"""
