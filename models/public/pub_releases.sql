-- R-PUB-1..3, R-API-3: the public releases cube (definition: crosstrack/contract/cubes.yml).
{{ public_cube('releases') }}
