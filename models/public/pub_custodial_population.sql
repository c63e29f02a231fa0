-- R-PUB-1..3, R-API-3: the public custodial cube (definition: crosstrack/contract/cubes.yml).
{{ public_cube('custodial') }}
