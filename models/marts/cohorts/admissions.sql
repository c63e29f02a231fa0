-- docs/rules.md section 3, admissions cohort: one row per admission to a custodial agency (sentenced and pretrial) from
-- 2017-01-01 to the end of the last complete week before as_of (R-COH-1), R-EX-1 exclusions left out
-- (int_cohort_rows_screened), described at the admission date (int_cohort_rows_described) with the offender
-- status the admission began with.
with

described as (
    select * from {{ ref('int_cohort_rows_described') }}
    where cohort = 'admissions'
),

final as (
    select
        admission_key,
        cohort_date as admission_date,
        person_key,
        agency_code,
        facility_type_code,
        admission_type,
        offender_status,
        is_parole_violator,
        age_group,
        assigned_sex,
        gender_identity,
        race,
        ethnicity,
        reproductive_health_status,
        primary_caretaker_status,
        offense_basis,
        offense_type,
        offense_sub_type,
        offense_severity,
        offense_unknown_reason,
        continuous_custody_admission_date,
        custody_episode_start_date,
        status_key
    from described
)

select * from final
