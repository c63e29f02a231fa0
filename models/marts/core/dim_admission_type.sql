-- R-ADM-1: the published admission types and the flags the custody rules use (R-INC-3).
with

admission_types as (
    select * from {{ ref('admission_types') }}
),

final as (
    select * from admission_types
)

select * from final
