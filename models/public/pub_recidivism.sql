-- SPEC R-PUB-1..3, R-API-3: the public recidivism cube (definition: macros/public_cubes.sql).
{{ public_cube('recidivism') }}
