{#- A name reduced to its letters, upper case, for matching records of one person across systems
    ("O'Brien", "OBRIEN " and "o brien" all become OBRIEN). Null when nothing is left. Engine-specific. -#}
{% macro normalize_name(name) %}
    {{ return(adapter.dispatch('normalize_name', 'crosstrack')(name)) }}
{% endmacro %}

{% macro default__normalize_name(name) -%}
    nullif(regexp_replace(upper({{ name }}), '[^A-Z]', ''), '')
{%- endmacro %}

{#- DuckDB replaces only the first match unless told 'g'. -#}
{% macro duckdb__normalize_name(name) -%}
    nullif(regexp_replace(upper({{ name }}), '[^A-Z]', '', 'g'), '')
{%- endmacro %}
