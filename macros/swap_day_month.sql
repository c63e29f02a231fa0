{#- The date with its day and month exchanged (2021-03-07 -> 2021-07-03), or null where that is no date
    (day above 12) or the same date. Finds records whose birth date was keyed with its parts swapped. -#}
{% macro swap_day_month(date_expr) %}
    {{ return(adapter.dispatch('swap_day_month', 'crosstrack')(date_expr)) }}
{% endmacro %}

{% macro default__swap_day_month(date_expr) -%}
    case
        when extract(day from {{ date_expr }}) <= 12
            and extract(day from {{ date_expr }}) <> extract(month from {{ date_expr }})
            then cast(
                cast(extract(year from {{ date_expr }}) as {{ dbt.type_string() }})
                || '-' || lpad(cast(extract(day from {{ date_expr }}) as {{ dbt.type_string() }}), 2, '0')
                || '-' || lpad(cast(extract(month from {{ date_expr }}) as {{ dbt.type_string() }}), 2, '0')
                as date
            )
    end
{%- endmacro %}
