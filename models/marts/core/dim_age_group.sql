-- R-AGE-1, R-EX-1: the age groups (bounds inclusive); Under 18 is the excluded juvenile group.
with

age_groups as (
    select * from {{ ref('age_groups') }}
),

final as (
    select * from age_groups
)

select * from final
