-- The calendar as a conformed dimension: the date spine of models/utilities (util_date_spine), where it is defined.
with

spine as (
    select * from {{ ref('util_date_spine') }}
),

final as (
    select * from spine
)

select * from final
