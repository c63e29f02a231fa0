-- R-API-1: the cohorts the public layer offers, each with its cube table, its partition columns and the
-- most dimensions a query may group and filter by. The API and the query builder read it (catalog).
{% set cubes = public_cubes() %}
with

cohorts as (
    {%- for cohort, cube in cubes.items() %}
        select
            '{{ cohort }}' as cohort,
            '{{ cube.table }}' as table_name,
            '{{ cube.label }}' as label,
            '{{ cube.description | replace("'", "''") }}' as description,
            '{{ cube.partitions | map(attribute="name") | join(",") }}' as partition_columns,
            {{ public_max_dimensions() }} as max_dimensions,
            {{ loop.index }} as cohort_order
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from cohorts
)

select * from final
