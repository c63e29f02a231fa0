"""Synthetic agency extracts and their ground truth (`crosstrack generate`); see docs/generator.md."""
