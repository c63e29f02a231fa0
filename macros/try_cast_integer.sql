{#- Text to integer, null when it is no whole number. dbt.safe_cast is a plain cast on dbt-duckdb, which fails the
    whole model on one bad value; a landing value must be rejected with its reason instead (SPEC R-EX-2). -#}
{% macro try_cast_integer(text) %}
    {{ return(adapter.dispatch('try_cast_integer', 'crosstrack')(text)) }}
{% endmacro %}

{#- Spark 3.2+ and Trino have try_cast too. -#}
{% macro default__try_cast_integer(text) -%}
    try_cast({{ text }} as integer)
{%- endmacro %}
