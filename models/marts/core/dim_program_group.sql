-- R-PSI-1: the six program (PSI) groups.
with

program_groups as (
    select * from {{ ref('program_groups') }}
),

final as (
    select * from program_groups
)

select * from final
