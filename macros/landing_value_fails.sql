{#- True when a landing value cannot be staged: a required value missing, or a present value that does not parse. -#}
{% macro landing_value_fails(column, raw, flag_true, flag_false) %}
    {%- set typed = landing_typed_value(column, raw, flag_true, flag_false) -%}
    {%- if column.required -%}
        ({{ raw }} is null or {{ typed }} is null)
    {%- else -%}
        ({{ raw }} is not null and {{ typed }} is null)
    {%- endif -%}
{% endmacro %}
