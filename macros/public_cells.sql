{#-
    SPEC R-PUB-2, R-PUB-3: every cell of a cohort's public cube, computed in one pass with grouping sets from the
    cohort's records (one row per record, every dimension a non-null label, so null means "all"). True counts and
    statistics: restricted, the public cube applies suppression. `dimensions` names the grouped dimensions,
    sorted and comma-separated; `dimension_values` their values in the same order, separated by '|'.
-#}
{% macro public_cells(cohort) %}
    {%- set cube = public_cubes()[cohort] -%}
    {%- set partitions = cube.partitions | map(attribute='name') | list -%}
    {%- set dimensions = cube.dimensions | map(attribute='name') | list -%}
    {%- set sorted_dimensions = dimensions | sort -%}
with

records as (
    select * from {{ ref(cube.records) }}
),

cells as (
    select
        {%- for partition in partitions %}
        {{ partition }},
        {%- endfor %}
        {%- for dimension in dimensions %}
        {{ dimension }},
        {%- endfor %}
        {%- for metric in cube.metrics %}
        {{ metric.sql }} as {{ metric.name }},
        {%- endfor %}
        sum(record_fingerprint) as record_fingerprint
    from records
    group by grouping sets (
        {%- for grouping_set in public_grouping_sets(cube) %}
        ({{ (partitions + grouping_set) | join(', ') }}){{ ',' if not loop.last }}
        {%- endfor %}
    )
),

keyed as (
    select
        *,
        concat_ws(
            ',',
            {%- for dimension in sorted_dimensions %}
            case when {{ dimension }} is not null then '{{ dimension }}' end{{ ',' if not loop.last }}
            {%- endfor %}
        ) as dimensions,
        concat_ws('|', {{ sorted_dimensions | join(', ') }}) as dimension_values,
        concat_ws('|', {% for partition in partitions %}cast({{ partition }} as {{ dbt.type_string() }}){{ ', ' if not loop.last }}{% endfor %}) as partition_key
    from cells
),

final as (
    select
        '{{ cohort }}' as cohort,
        partition_key,
        {%- for partition in partitions %}
        {{ partition }},
        {%- endfor %}
        dimensions,
        dimension_values,
        {%- for dimension in dimensions %}
        {{ dimension }},
        {%- endfor %}
        {%- for metric in cube.metrics %}
        {{ metric.name }},
        {%- endfor %}
        record_fingerprint
    from keyed
)

select * from final
{% endmacro %}
