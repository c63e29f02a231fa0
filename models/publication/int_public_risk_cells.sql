-- R-PUB-2, R-PUB-3: every cell of the risk_and_needs cube with its true count and statistics (restricted; the public
-- cube suppresses them). Generated from the cube definition in crosstrack/contract/cubes.yml.
{{ public_cells('risk_and_needs') }}
