-- R-RISK-3, R-RISK-4: the needs subcomponents of the assessment each risk_and_needs row carries (the rows of
-- int_risk_cohort_rows_assessed), one row per subcomponent with its scale value (int_assessment_needs_scaled). DOC
-- assesses needs only for medium or high risk, so a row can have a risk level and no needs: need counts can be
-- lower than risk counts.
with

risk_and_needs as (
    select * from {{ ref('int_risk_cohort_rows_assessed') }}
),

needs as (
    select * from {{ ref('int_assessment_needs_scaled') }}
),

final as (
    select
        {{ dbt.concat(["risk_and_needs.risk_and_needs_key", "'|'", "needs.staged_column"]) }}
            as risk_and_needs_subcomponent_key,
        risk_and_needs.risk_and_needs_key,
        risk_and_needs.snapshot_date,
        risk_and_needs.person_key,
        risk_and_needs.agency_code,
        needs.instrument,
        needs.subcomponent,
        needs.scale_value,
        needs.scale_order,
        needs.is_valid_value
    from risk_and_needs
    inner join needs
        on risk_and_needs.assessment_key = needs.assessment_key
)

select * from final
