-- docs/rules.md section 10: what this publication is: the as_of date its cohort windows are relative to, when it was
-- built, and the disclosure-control parameters (R-PUB-2 threshold, most dimensions per query).
with

final as (
    select
        cast('{{ var("as_of") }}' as date) as as_of,
        {{ dbt.current_timestamp() }} as published_at,
        {{ public_suppression_threshold() }} as suppression_threshold,
        {{ public_max_dimensions() }} as max_dimensions
)

select * from final
