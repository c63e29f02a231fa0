{#- The median of a numeric expression as an aggregate (R-INC-4). Engines spell it differently. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'crosstrack')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}

{% macro trino__median(expression) -%}
    approx_percentile({{ expression }}, 0.5)
{%- endmacro %}
