-- docs/rules.md section 3, custodial cohort: one row per person in DOC or Sheriff custody on each January 1 from 2017
-- to the year of as_of (R-COH-1), R-EX-1 exclusions left out (int_cohort_rows_screened), described at the snapshot
-- (int_cohort_rows_described): incarceration time from the most recent admission to the snapshot (R-INC-1..3),
-- programs since the continuous custody admission date (R-PRG-1, R-PRG-2).
with

described as (
    select * from {{ ref('int_cohort_rows_described') }}
    where cohort = 'custodial'
),

final as (
    select
        cohort_row_key as snapshot_key,
        cohort_date as snapshot_date,
        person_key,
        agency_code,
        facility_type_code,
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
