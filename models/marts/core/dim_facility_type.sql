-- R-AGY-1: facility types (DOC pre-release, minimum, medium, maximum; county jail; house of correction).
with

facility_types as (
    select * from {{ ref('facility_types') }}
),

final as (
    select * from facility_types
)

select * from final
