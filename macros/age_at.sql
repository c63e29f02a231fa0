{#-
    R-AGE-1: age in completed years on a date (the cohort date). Birth dates stay in the restricted layer;
    only the age group leaves it.
-#}
{% macro age_at(birth_date, on_date) -%}
    {{ return(adapter.dispatch('age_at', 'crosstrack')(birth_date, on_date)) }}
{%- endmacro %}

{#- Portable: whole calendar years, less one if the birthday has not come yet in the final year. -#}
{% macro default__age_at(birth_date, on_date) -%}
    (
        {{ dbt.datediff(birth_date, on_date, 'year') }}
        - case
            when {{ dbt.dateadd('year', dbt.datediff(birth_date, on_date, 'year'), birth_date) }} > {{ on_date }}
                then 1
            else 0
        end
    )
{%- endmacro %}

{#- DuckDB counts completed years directly. -#}
{% macro duckdb__age_at(birth_date, on_date) -%}
    date_sub('year', cast({{ birth_date }} as date), cast({{ on_date }} as date))
{%- endmacro %}
