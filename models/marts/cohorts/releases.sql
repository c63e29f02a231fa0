-- docs/rules.md section 3, releases cohort: one row per release from a custodial placement (sentenced and pretrial)
-- from 2017-01-01 to the end of the last complete year before as_of (R-COH-1), R-EX-1 exclusions left out
-- (int_cohort_rows_screened), described at the release date with the offender status at release
-- (int_cohort_rows_described): incarceration time from the most recent admission to the release (R-INC-2),
-- programs between the continuous custody admission date and the release (R-PRG-1).
with

described as (
    select * from {{ ref('int_cohort_rows_described') }}
    where cohort = 'releases'
),

final as (
    select
        admission_key as release_key,
        cohort_date as release_date,
        person_key,
        agency_code,
        facility_type_code,
        release_type,
        is_release_to_community,
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
        admission_date,
        most_recent_admission_date,
        most_recent_admission_basis,
        incarceration_days,
        continuous_custody_admission_date,
        custody_episode_start_date,
        program_enrollment_count,
        {% for program_group in program_groups() %}
            {{ program_group_count_column(program_group) }},
        {% endfor %}
        admission_key,
        status_key
    from described
)

select * from final
