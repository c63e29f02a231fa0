-- R-API-1, R-PUB-4: the grouping sets each cube publishes (catalog): a query is answered only for these; the
-- others are left out so that the cubes stay useful (the rule on detailed dimensions, crosstrack/contract/cubes.yml).
{% set cubes = public_cubes() %}
with

grouping_sets as (
    {%- for cohort, cube in cubes.items() %}
        {%- set outer_loop = loop %}
        {%- for grouping_set in public_grouping_sets(cube) %}
            select
                '{{ cohort }}' as cohort,
                '{{ grouping_set | sort | join(",") }}' as dimensions,
                {{ grouping_set | length }} as dimension_count
            {%- if not (outer_loop.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
),

final as (
    select * from grouping_sets
)

select * from final
