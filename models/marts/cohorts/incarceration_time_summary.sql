-- SPEC R-INC-4: mean and median incarceration time side by side, per cohort date, agency and offender status, for
-- the custodial snapshots (days from the most recent admission to the snapshot, R-INC-2) and the releases (to the
-- release date). Restricted counts; the public layer applies suppression (R-PUB-2) to any selection it serves.
with

snapshots as (
    select * from {{ ref('custodial_snapshots') }}
),

releases as (
    select * from {{ ref('releases') }}
),

cohort_rows as (
    select
        'custodial' as cohort,
        snapshot_date as cohort_date,
        agency_code,
        offender_status,
        incarceration_days
    from snapshots
    union all
    select
        'releases' as cohort,
        cast({{ dbt.date_trunc('year', 'release_date') }} as date) as cohort_date,
        agency_code,
        offender_status,
        incarceration_days
    from releases
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
