{#-
    Every row of one landing file, numbered and, where it cannot be staged, rejected with a reason
    (R-EX-2: every landing row is staged or rejected; nothing is dropped).

    The source is the data-quality gate's typed copy of the file (Parquet): the gate numbered the rows in file
    order from 1 (`landing_row`, the first line after the header), trimmed every value (empty is null) and typed
    it per the contract (crosstrack/quality/rows.py, the one place landing values are typed); a value that does
    not parse is null there and its row is quarantined.

    A row is rejected, in this order of precedence, when
      1. the data-quality gate quarantined it (var quarantine_file: its field and reason are kept),
      2. a required field is empty,
      3. its primary key repeats that of an earlier sound row (the first occurrence is kept).
-#}
{% macro landing_base(source_name, table_name, file_name, primary_key, columns) %}
{%- set quarantine_file = var('quarantine_file', env_var('CROSSTRACK_QUARANTINE_FILE', '')) -%}
{%- set key_column = (columns | selectattr('as', 'equalto', primary_key) | first) -%}
with

landing as (
    select * from {{ source(source_name, table_name) }}
),

{% if quarantine_file %}
quarantined as (
    select
        landing_row,
        min(field) as quarantine_field,
        min(reason) as quarantine_reason,
        min(value) as quarantine_value
    from {{ landing_quarantine_relation(quarantine_file) }}
    where
        source_system = '{{ source_name }}'
        and file_name = '{{ file_name }}'
    group by landing_row
),
{% endif %}

typed as (
    select
        landing_row,
        {%- for column in columns %}
        {{ landing_typed_value(column, adapter.quote(column.name)) }} as {{ column.as }},
        {%- endfor %}
        case
            {%- for column in columns if column.required %}
            when {{ adapter.quote(column.name) }} is null then '{{ column.name }}'
            {%- endfor %}
        end as typing_field,
        case
            {%- for column in columns if column.required %}
            when {{ adapter.quote(column.name) }} is null then 'missing required {{ column.name }}'
            {%- endfor %}
        end as typing_reason,
        cast(null as {{ dbt.type_string() }}) as typing_value
    from landing
),

checked as (
    select
        typed.*,
        {%- if quarantine_file %}
        quarantined.quarantine_field,
        quarantined.quarantine_reason,
        quarantined.quarantine_value,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as quarantine_field,
        cast(null as {{ dbt.type_string() }}) as quarantine_reason,
        cast(null as {{ dbt.type_string() }}) as quarantine_value,
        {%- endif %}
        (
            {%- if quarantine_file %} quarantined.landing_row is null and {% endif -%}
            typed.typing_reason is null
        ) as is_sound
    from typed
    {%- if quarantine_file %}
    left join quarantined on typed.landing_row = quarantined.landing_row
    {%- endif %}
),

-- the primary keys more than one row holds (few): the first row of each, among the sound rows and among the others
repeated_keys as (
    select
        is_sound,
        {{ primary_key }},
        min(landing_row) as first_landing_row
    from checked
    group by is_sound, {{ primary_key }}
    having count(*) > 1
),

keyed as (
    select
        checked.*,
        repeated_keys.first_landing_row
    from checked
    left join repeated_keys
        on
            checked.is_sound = repeated_keys.is_sound
            and checked.{{ primary_key }} is not distinct from repeated_keys.{{ primary_key }}
),

final as (
    select
        landing_row,
        {%- for column in columns %}
        {{ column.as }},
        {%- endfor %}
        case
            when quarantine_reason is not null then quarantine_field
            when typing_reason is not null then typing_field
            when first_landing_row < landing_row then '{{ key_column.name }}'
        end as reject_field,
        case
            when quarantine_reason is not null then quarantine_reason
            when typing_reason is not null then typing_reason
            when first_landing_row < landing_row
                then 'duplicate primary key (first at landing row '
                || cast(first_landing_row as {{ dbt.type_string() }}) || ')'
        end as reject_reason,
        case
            when quarantine_reason is not null then quarantine_value
            when typing_reason is not null then typing_value
            when first_landing_row < landing_row then substring(cast({{ primary_key }} as {{ dbt.type_string() }}), 1, 200)
        end as reject_value,
        case
            when quarantine_reason is not null then 'quality_gate'
            when typing_reason is not null or first_landing_row < landing_row then 'staging'
        end as rejected_by
    from keyed
)

select * from final
{% endmacro %}
