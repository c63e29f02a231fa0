-- R-REL-1, R-COH-2: the published release types and whether each is a release to the community.
with

release_types as (
    select * from {{ ref('release_types') }}
),

final as (
    select * from release_types
)

select * from final
