{#-
    R-PUB-2, R-PUB-3: every cell of a cohort's public cube, computed in one pass with grouping sets from the
    cohort's records (one row per record, every dimension a non-null label, so null means "all"). True counts and
    statistics: restricted, the public cube protects them. `dimensions` names the grouped dimensions,
    sorted and comma-separated; `dimension_values` their values in the same order, separated by '|'. Beside the
    true values, what their protection needs: the key of every count and the scale of every magnitude
    (`protection_columns` of the cube definition).
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
        {%- for column in cube.protection_columns %}
        {{ column.sql }} as {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
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
        {%- for column in cube.protection_columns %}
        {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from keyed
)

select * from final
{% endmacro %}
