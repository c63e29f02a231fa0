{#-
    SPEC R-PUB-2: a published aggregate is shown only when at least `threshold` (5) records meet the selection.
    Renders two select items: the value (the count itself, or a statistic computed from those records) as
    `alias`, null when suppressed; and `is_<alias>_suppressed`, true when suppressed. Suppressed is never 0:
    a count of 0 is suppressed too, and a consumer tells "suppressed" from "none" by the flag.
    Every public model uses this macro; nothing else decides suppression.
-#}
{% macro suppress(count_expr, alias, value_expr=none, threshold=5) -%}
    case
        when coalesce({{ count_expr }}, 0) >= {{ threshold }}
            then {{ value_expr if value_expr is not none else count_expr }}
    end as {{ alias }},
    coalesce({{ count_expr }}, 0) < {{ threshold }} as is_{{ alias }}_suppressed
{%- endmacro %}
