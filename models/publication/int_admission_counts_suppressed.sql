-- R-PUB-2: admissions per agency and year, with the count and the statistic computed from the same records
-- (mean age at admission) suppressed under 5 records. The pattern every public aggregate follows: counts and
-- statistics pass through the suppress macro, which decides suppression in one place.
with

admissions as (
    select * from {{ ref('int_custody_admissions_unioned') }}
),

counted as (
    select
        agency_code,
        extract(year from admission_date) as admission_year,
        count(*) as admission_count,
        avg(age_at_admission) as mean_age_at_admission
    from admissions
    group by agency_code, extract(year from admission_date)
),

final as (
    select
        agency_code,
        admission_year,
        {{ suppress('admission_count', 'admissions') }},
        {{ suppress('admission_count', 'mean_age', value_expr='mean_age_at_admission') }}
    from counted
)

select * from final
