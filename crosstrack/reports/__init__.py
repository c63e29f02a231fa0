"""Reports as products (R-RPT-1, R-RPT-2): `crosstrack report NAME` writes a dated CSV and an HTML page with a chart.

- `quarterly-recidivism` (public): the published, protected values of the recidivism cube, read from the published
  release, never from the warehouse; linked from the docs site and archived with the release.
- `sid-capture` (RESTRICTED): operational counts per system, agency and quarter read from the warehouse; labelled
  restricted and never placed in the docs site or a publish folder.
"""
