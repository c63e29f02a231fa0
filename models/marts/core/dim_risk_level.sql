-- R-RISK-2, R-RISK-4: the conformed risk levels in order, with Not Assessed as a value of its own.
with

risk_levels as (
    select * from {{ ref('risk_levels') }}
),

final as (
    select * from risk_levels
)

select * from final
