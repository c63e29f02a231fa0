-- R-CC-1: the continuous custody admission date of each admission: the first admission of the unbroken
-- stretch of custody at the agency it belongs to, whatever the offender status. Custody is unbroken when the
-- next admission starts no later than the day after the previous release (R-INC-1: the release day is a day in
-- custody); a full day out of custody breaks it.
with

admissions as (
    select * from {{ ref('int_custody_admissions_unioned') }}
),

ordered as (
    select
        admission_key,
        source_person_key,
        agency_code,
        admission_date,
        release_date,
        -- the latest day in custody of every earlier admission at the agency (an open admission never ends)
        max(coalesce(release_date, cast('2999-12-31' as date))) over (
            partition by source_person_key, agency_code
            order by admission_date, admission_key
            rows between unbounded preceding and 1 preceding
        ) as previous_custody_end_date
    from admissions
),

flagged as (
    select
        *,
        case
            when previous_custody_end_date is null then 1
            when admission_date > cast({{ dbt.dateadd('day', 1, 'previous_custody_end_date') }} as date) then 1
            else 0
        end as starts_custody_stretch
    from ordered
),

numbered as (
    select
        *,
        sum(starts_custody_stretch) over (
            partition by source_person_key, agency_code
            order by admission_date, admission_key
            rows between unbounded preceding and current row
        ) as custody_stretch_number
    from flagged
),

final as (
    select
        admission_key,
        source_person_key,
        agency_code,
        admission_date,
        release_date,
        custody_stretch_number,
        starts_custody_stretch = 1 as is_custody_stretch_start,
        min(admission_date) over (
            partition by source_person_key, agency_code, custody_stretch_number
        ) as continuous_custody_admission_date
    from numbered
)

select * from final
