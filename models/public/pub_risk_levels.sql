-- R-PUB-1..3, R-API-3: the public risk_and_needs cube (definition: crosstrack/contract/cubes.yml).
{{ public_cube('risk_and_needs') }}
