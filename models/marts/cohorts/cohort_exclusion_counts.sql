-- R-EX-2: the reconciliation of each custody cohort by cohort year: candidate rows, rows in the mart and rows
-- left out per reason (cohort_exclusions), so that candidates = included + excluded.
with

screened as (
    select * from {{ ref('int_cohort_rows_screened') }}
),

final as (
    select
        cohort,
        extract(year from cohort_date) as cohort_year,
        coalesce(exclusion_reason_code, 'included') as row_outcome,
        count(*) as row_count,
        count(distinct person_key) as person_count
    from screened
    group by cohort, extract(year from cohort_date), coalesce(exclusion_reason_code, 'included')
)

select * from final
