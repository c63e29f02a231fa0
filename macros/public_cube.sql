{#-
    SPEC R-PUB-1..3: a cohort's public cube. Every cell of the cube's grouping sets; every count and statistic
    through the suppress macro (R-PUB-2), one `is_suppressed` flag per cell (all of a cell's values are computed
    from the same records, so they are suppressed together); every count of a shown cell (records, enrollments)
    perturbed consistently (perturb_count, R-PUB-3). Means, medians and rates are computed from the true records.
    No person-level column, no exact date but the cohort's January 1 snapshot dates.
-#}
{% macro public_cube(cohort) %}
    {%- set cube = public_cubes()[cohort] -%}
    {%- set threshold = public_suppression_threshold() -%}
with

cells as (
    select * from {{ ref(cube.records | replace('_records', '_cells')) }}
),

final as (
    select
        {%- for partition in cube.partitions %}
        {{ partition.name }},
        {%- endfor %}
        dimensions,
        {%- for dimension in cube.dimensions %}
        {{ dimension.name }},
        {%- endfor %}
        {%- for metric in cube.metrics %}
        {%- if metric.unit in ('records', 'enrollments') %}
        {%- set value = perturb_count(metric.name, 'record_fingerprint', loop.index0, threshold if metric.unit == 'records' else 0) %}
        {%- set value_type = 'bigint' %}
        {%- else %}
        {%- set value = metric.name %}
        {%- set value_type = 'double' %}
        {%- endif %}
        {{ suppress('record_count', metric.name, value_expr='cast(' ~ value ~ ' as ' ~ value_type ~ ')', threshold=threshold, flag=false) }},
        {%- endfor %}
        {{ suppression_condition('record_count', threshold) }} as is_suppressed
    from cells
)

select * from final
{% endmacro %}
