{#-
    R-PUB-2: a published aggregate is shown only when at least `threshold` (5) records meet the selection.
    Renders the value (the count itself, or a statistic computed from those records) as `alias`, null when
    suppressed, and, unless `flag=false`, `is_<alias>_suppressed`. Suppressed is never 0: a count of 0 is
    suppressed too, and a consumer tells "suppressed" from "none" by the flag. The public cubes pass every value of
    a cell through this macro with `flag=false` and render one flag per cell with `suppression_condition`.
    Every public model uses these two macros; nothing else decides suppression.
-#}
{% macro suppress(count_expr, alias, value_expr=none, threshold=5, flag=true) -%}
    {%- set is_suppressed = suppression_condition(count_expr, threshold) -%}
    case
        when not {{ is_suppressed }}
            then {{ value_expr if value_expr is not none else count_expr }}
    end as {{ alias }}
    {%- if flag %},
    {{ is_suppressed }} as is_{{ alias }}_suppressed
    {%- endif %}
{%- endmacro %}

{#- The boolean SQL expression "suppressed" of a value computed from `count_expr` records (see suppress). -#}
{% macro suppression_condition(count_expr, threshold=5) -%}
    (coalesce({{ count_expr }}, 0) < {{ threshold }})
{%- endmacro %}
