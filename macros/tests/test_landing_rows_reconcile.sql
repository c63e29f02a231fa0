{#-
    SPEC R-EX-2: for one landing file, landing rows = staged rows + rejected rows.
    Counts the file itself (not the base model), so a row lost or doubled by any step between fails the test.
-#}
{% test landing_rows_reconcile(model, source_name, table_name, file_name) %}

with

landing as (
    select count(*) as landing_rows from {{ source(source_name, table_name) }}
),

staged as (
    select count(*) as staged_rows from {{ model }}
),

rejected as (
    select count(*) as rejected_rows
    from {{ ref('stg_landing__rejects') }}
    where source_system = '{{ source_name }}' and file_name = '{{ file_name }}'
),

final as (
    select
        '{{ source_name }}/{{ file_name }}' as landing_file,
        landing.landing_rows,
        staged.staged_rows,
        rejected.rejected_rows
    from landing
    cross join staged
    cross join rejected
    where landing.landing_rows <> staged.staged_rows + rejected.rejected_rows
)

select * from final

{% endtest %}
