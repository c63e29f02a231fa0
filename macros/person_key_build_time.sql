{#- When this build started (dbt's run_started_at, UTC): the assignment time of the keys it draws. -#}
{% macro person_key_build_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
