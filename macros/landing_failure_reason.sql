{#- Why a landing value cannot be staged, in words a data steward can act on. -#}
{% macro landing_failure_reason(column, raw, flag_true, flag_false) %}
    {%- if column.type == 'date' or column.type == 'timestamp' -%}
        {%- set expected = column.type ~ ' in format ' ~ column.format -%}
    {%- elif column.type == 'integer' -%}
        {%- set expected = 'a whole number' -%}
    {%- elif column.type == 'flag' -%}
        {%- set expected = flag_true ~ ' or ' ~ flag_false -%}
    {%- else -%}
        {%- set expected = 'a value' -%}
    {%- endif -%}
    {%- if column.required -%}
        case when {{ raw }} is null then 'missing required {{ column.name }}'
            else 'unparseable {{ column.name }}: expected {{ expected }}' end
    {%- else -%}
        'unparseable {{ column.name }}: expected {{ expected }}'
    {%- endif -%}
{% endmacro %}
