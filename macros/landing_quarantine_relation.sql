{#- The data-quality gate's quarantine file (crosstrack validate) as a relation. Engine-specific. -#}
{% macro landing_quarantine_relation(path) %}
    {{ return(adapter.dispatch('landing_quarantine_relation', 'crosstrack')(path)) }}
{% endmacro %}

{% macro default__landing_quarantine_relation(path) %}
    {{ exceptions.raise_compiler_error("the quarantine file is read by an engine-specific macro; none for " ~ adapter.type()) }}
{% endmacro %}

{% macro duckdb__landing_quarantine_relation(path) -%}
    read_parquet('{{ path }}')
{%- endmacro %}
