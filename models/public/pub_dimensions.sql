-- R-API-1, R-CHG-4: every dimension of each cohort's cube with the values it takes (catalog). The API
-- accepts a filter value only if it is listed here; `requires_offender_status` marks the offense dimensions
-- that are offered only once the selection is narrowed to that offender status.
{% set cubes = public_cubes() %}
with

{% for cohort, cube in cubes.items() %}
    {{ cohort }}_cells as (
        select * from {{ ref(cube.records | replace('_records', '_cells')) }}
    ),

{% endfor %}
dimension_values as (
    {%- for cohort, cube in cubes.items() %}
        {%- set outer_loop = loop %}
        {%- for partition in cube.partitions %}
            select distinct
                '{{ cohort }}' as cohort,
                '{{ partition.name }}' as dimension,
                '{{ partition.label }}' as label,
                '{{ partition.description | replace("'", "''") }}' as description,
                true as is_partition,
                cast(null as {{ dbt.type_string() }}) as requires_offender_status,
                cast({{ partition.name }} as {{ dbt.type_string() }}) as value,
                {{ loop.index }} as dimension_order
            from {{ cohort }}_cells
            where dimensions = ''
            union all
        {%- endfor %}
        {%- for dimension in cube.dimensions %}
            select distinct
                '{{ cohort }}' as cohort,
                '{{ dimension.name }}' as dimension,
                '{{ dimension.label }}' as label,
                '{{ dimension.description | replace("'", "''") }}' as description,
                false as is_partition,
                {%- set required = dimension.get('requires_offender_status') %}
                {{ "'" ~ required ~ "'" if required else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
                    as requires_offender_status,
                {{ dimension.name }} as value,
                {{ cube.partitions | length + loop.index }} as dimension_order
            from {{ cohort }}_cells
            where {{ dimension.name }} is not null
            {%- if not (outer_loop.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
),

final as (
    select
        cohort,
        dimension,
        label,
        description,
        is_partition,
        requires_offender_status,
        value,
        dimension_order,
        row_number() over (
            partition by cohort, dimension
            order by
                case
                    when value in ('Unknown', 'Not applicable', 'Unavailable', 'Other / Unknown', 'Not assessed')
                        then 1
                    else 0
                end,
                value
        ) as value_order
    from dimension_values
)

select * from final
