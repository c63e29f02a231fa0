{#- The key of a source record across systems: `<source system>:<the record's id in its system>` (admission_key,
    source_person_key, status_key, assessment_key, ...). `source_system` is a SQL expression: a column, or a quoted
    literal such as "'ims'". The one place the key's shape is written. -#}
{% macro source_key(source_system, record_id) -%}
    {{ dbt.concat([source_system, "':'", record_id]) }}
{%- endmacro %}
