{#- The value a person dimension shows when it is missing or not mapped (race Other / Unknown, ethnicity
    Unavailable, ...): read from the seed unknown_values, the one place these labels are written. -#}
{% macro unknown_value(dimension) -%}
    (select unknown_value from {{ ref('unknown_values') }} where dimension = '{{ dimension }}')
{%- endmacro %}
