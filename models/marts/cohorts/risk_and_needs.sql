-- docs/rules.md section 3 (risk and needs cohort), R-RISK-1..4: one row per person and agency on each January 1, with
-- the latest assessment at the agency on or before the date. The rows and their assessment are decided in
-- int_risk_cohort_rows_assessed.
with

assessed as (
    select * from {{ ref('int_risk_cohort_rows_assessed') }}
),

final as (
    select
        risk_and_needs_key,
        snapshot_date,
        person_key,
        agency_code,
        population,
        age_group,
        assigned_sex,
        gender_identity,
        race,
        ethnicity,
        assessment_key,
        assessment_date,
        instrument,
        instrument_version,
        is_assessed,
        is_valid_score,
        risk_level
    from assessed
)

select * from final
