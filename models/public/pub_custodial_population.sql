-- SPEC R-PUB-1..3, R-API-3: the public custodial cube (definition: macros/public_cubes.sql).
{{ public_cube('custodial') }}
