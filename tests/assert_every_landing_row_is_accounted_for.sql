-- R-EX-2: for every landing file, rows in the file = rows in marts + rows excluded with a reason + rows
-- rejected with a reason, and the staged rows are exactly those in marts or excluded; so also rows in the file =
-- rows staged + rows rejected. Any row unaccounted for, or counted twice, fails the build. The one count check of
-- the accounting: it reads the mart that defines it (landing_reconciliation) and the files' own row counts.
with

row_counts as (
    select * from {{ ref('stg_landing__row_counts') }}
),

reconciliation as (
    select * from {{ ref('landing_reconciliation') }}
),

accounted as (
    select
        source_system,
        file_name,
        sum(row_count) as accounted_rows,
        sum(case when disposition in ('in_marts', 'excluded') then row_count else 0 end) as staged_rows
    from reconciliation
    group by source_system, file_name
),

final as (
    select
        row_counts.source_system,
        row_counts.file_name,
        row_counts.landing_rows,
        row_counts.staged_rows,
        accounted.accounted_rows,
        accounted.staged_rows as staged_rows_accounted
    from row_counts
    left join accounted
        on
            row_counts.source_system = accounted.source_system
            and row_counts.file_name = accounted.file_name
    where
        accounted.accounted_rows is null
        or row_counts.landing_rows <> accounted.accounted_rows
        or row_counts.staged_rows <> accounted.staged_rows
)

select * from final
