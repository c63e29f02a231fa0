{#- No two rows share the same values in `columns` (the project writes the few generic tests it needs). -#}
{% test unique_combination_of_columns(model, columns) %}
    {{ adapter.dispatch('unique_combination_of_columns_failures', 'crosstrack')(model, columns) }}
{% endtest %}

{#- The failing rows: each combination of `columns` that more than one row of `model` holds, with its count. -#}
{% macro default__unique_combination_of_columns_failures(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endmacro %}

{#- The same rows, grouped first on one hash of the columns (cheap on a table of millions of rows): rows that share
    their values share their hash, so only rows whose hash another row shares can fail, and those are grouped on the
    columns themselves as above (a hash collision is never reported as a duplicate). -#}
{% macro duckdb__unique_combination_of_columns_failures(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
where hash({{ columns | join(', ') }}) in (
    select hash({{ columns | join(', ') }}) as row_hash
    from {{ model }}
    group by row_hash
    having count(*) > 1
)
group by {{ columns | join(', ') }}
having count(*) > 1

{% endmacro %}
