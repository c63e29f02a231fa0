-- SPEC R-PUB-1..3, R-API-3: the public releases cube (definition: macros/public_cubes.sql).
{{ public_cube('releases') }}
