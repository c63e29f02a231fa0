{#- Schemas are named by layer (staging, utilities, intermediate, core, cohorts, restricted, publication, public,
    reference), not prefixed with the target schema, so that BI tools and the publish step find them by name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
