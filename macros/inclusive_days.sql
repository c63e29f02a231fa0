{#-
    R-INC-1: every part of a day in custody counts as a full day, the first and the last day included.
    Admitted 2021-12-30, on 2022-01-01: 3 days; admitted and released the same day: 1 day.
    An end before the start is a data-quality problem, not a negative stay: null.
-#}
{% macro inclusive_days(start_date, end_date) -%}
    {{ return(adapter.dispatch('inclusive_days', 'crosstrack')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__inclusive_days(start_date, end_date) -%}
    case
        when {{ end_date }} >= {{ start_date }}
            then {{ dbt.datediff(start_date, end_date, 'day') }} + 1
    end
{%- endmacro %}
