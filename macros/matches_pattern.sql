{#- True when the text matches the regular expression (anchor it with ^...$ for a whole match). Engine-specific. -#}
{% macro matches_pattern(text, pattern) %}
    {{ return(adapter.dispatch('matches_pattern', 'crosstrack')(text, pattern)) }}
{% endmacro %}

{#- Trino and Spark 3.2+. -#}
{% macro default__matches_pattern(text, pattern) -%}
    regexp_like({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__matches_pattern(text, pattern) -%}
    regexp_matches({{ text }}, '{{ pattern }}')
{%- endmacro %}
