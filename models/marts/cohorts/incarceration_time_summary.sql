-- R-INC-4: mean and median incarceration time side by side, per cohort date, agency and offender status, for
-- the custodial snapshots (days from the most recent admission to the snapshot, R-INC-2) and the releases (to the
-- release date), from the cohort rows both marts select (int_cohort_rows_described). Restricted counts; the public
-- layer applies suppression (R-PUB-2) to any selection it serves.
with

-- the custodial snapshots and the releases (the rows of custodial_snapshots and releases)
described as (
    select * from {{ ref('int_cohort_rows_described') }}
    where cohort in ('custodial', 'releases')
),

cohort_rows as (
    select
        cohort,
        case
            when cohort = 'custodial' then cohort_date
            else cast({{ dbt.date_trunc('year', 'cohort_date') }} as date)
        end as cohort_date,
        agency_code,
        offender_status,
        incarceration_days
    from described
),

final as (
    select
        cohort,
        cohort_date,
        agency_code,
        offender_status,
        count(*) as record_count,
        count(incarceration_days) as records_with_incarceration_days,
        round(avg(incarceration_days), 1) as mean_incarceration_days,
        percentile_cont(0.5) within group (order by incarceration_days) as median_incarceration_days
    from cohort_rows
    group by cohort, cohort_date, agency_code, offender_status
)

select * from final
