{#- The staged value of one landing value: the gate typed it (crosstrack/quality/rows.py); codes are upper-cased. -#}
{% macro landing_typed_value(column, value) %}
    {%- if column.type == 'code' -%}
        upper({{ value }})
    {%- elif column.type in ('string', 'integer', 'date', 'timestamp', 'flag') -%}
        {{ value }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("landing column " ~ column.name ~ " has unknown type " ~ column.type) }}
    {%- endif -%}
{% endmacro %}
