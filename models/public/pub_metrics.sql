-- R-API-1, R-API-3: the metrics of each cohort's cube, with label, unit and meaning (catalog).
{% set cubes = public_cubes() %}
with

metrics as (
    {%- for cohort, cube in cubes.items() %}
        {%- set outer_loop = loop %}
        {%- for metric in cube.metrics %}
            select
                '{{ cohort }}' as cohort,
                '{{ metric.name }}' as metric,
                '{{ metric.label }}' as label,
                '{{ metric.description | replace("'", "''") }}' as description,
                '{{ metric.unit }}' as unit,
                {{ loop.index }} as metric_order
            {%- if not (outer_loop.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
),

final as (
    select * from metrics
)

select * from final
