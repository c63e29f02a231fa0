{#-
    R-PUB-2, R-PUB-3: every cell of a cohort's public cube, computed in one pass with grouping sets from the
    cohort's records (one row per record, every dimension a non-null label, so null means "all"). True counts and
    statistics: restricted, the public cube protects them. `dimensions` names the grouped dimensions,
    sorted and comma-separated; `dimension_values` their values in the same order, separated by '|'. Beside the
    true values, what their protection needs: the key of every count and the scale of every magnitude
    (`protection_columns` of the cube definition).
    The grouping sets are one GROUP BY over the records joined to a table of the sets (one row per set, a flag per
    dimension: true for those it groups; the others are null in its cells), not GROUPING SETS: DuckDB runs a hash
    table per set (about 300 per cube, all filled at once), where one GROUP BY needs one table (figures:
    docs/public_layer.md, Cost). The set's number is grouped on too, so two sets never share a cell.
    What each aggregate reads (its `input`: `case when is_reconviction then 1 else 0 end`, the cast of a median's
    column) is computed once per record, before the join, and not once per record and grouping set.
-#}
{% macro public_cells(cohort) %}
    {%- set cube = public_cubes()[cohort] -%}
    {%- set partitions = cube.partitions | map(attribute='name') | list -%}
    {%- set dimensions = cube.dimensions | map(attribute='name') | list -%}
    {%- set sorted_dimensions = dimensions | sort -%}
    {%- set inputs = (cube.metrics + cube.protection_columns) | rejectattr('input', 'equalto', '*') | list -%}
with

records as (
    select
        *,
        {%- for aggregated in inputs %}
        {{ aggregated.input }} as {{ aggregated.name }}__input{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref(cube.records) }}
),

grouping_sets as (
    select * from (
        values
        {%- for grouping_set in public_grouping_sets(cube) %}
        ({{ loop.index }}{% for dimension in dimensions %}, {{ 'true' if dimension in grouping_set else 'false' }}{% endfor %}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as grouping_sets (grouping_set_id{% for dimension in dimensions %}, groups_{{ dimension }}{% endfor %})
),

cells as (
    select
        {%- for partition in partitions %}
        records.{{ partition }},
        {%- endfor %}
        {%- for dimension in dimensions %}
        case when grouping_sets.groups_{{ dimension }} then records.{{ dimension }} end as {{ dimension }},
        {%- endfor %}
        {%- for aggregated in cube.metrics + cube.protection_columns %}
        {{ public_cells_aggregate(aggregated) }} as {{ aggregated.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from records
    cross join grouping_sets
    group by
        grouping_sets.grouping_set_id,
        {%- for partition in partitions %}
        records.{{ partition }},
        {%- endfor %}
        {%- for dimension in dimensions %}
        case when grouping_sets.groups_{{ dimension }} then records.{{ dimension }} end{{ ',' if not loop.last }}
        {%- endfor %}
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

{#- A metric's or protection column's aggregate over its input, computed per record as `<name>__input`. -#}
{% macro public_cells_aggregate(aggregated) -%}
    {%- if aggregated.input == '*' -%}
    {{ aggregated.sql }}
    {%- elif aggregated.aggregate == 'median' -%}
    {{ median(aggregated.name ~ '__input') }}
    {%- else -%}
    {{ aggregated.aggregate }}({{ aggregated.name }}__input)
    {%- endif %}
{%- endmacro %}
