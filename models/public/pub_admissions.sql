-- R-PUB-1..3, R-API-3: the public admissions cube (definition: crosstrack/contract/cubes.yml).
{{ public_cube('admissions') }}
