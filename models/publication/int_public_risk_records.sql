-- R-RISK-1..4 and section 10: the risk and needs cohort's records (one per person, agency and January 1)
-- as the public cube reads them. A person never assessed is counted with the level Not Assessed (R-RISK-4).
with

risk as (
    select * from {{ ref('risk_and_needs') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

final as (
    select
        risk.risk_and_needs_key as record_key,
        risk.snapshot_date,
        coalesce(agencies.agency_name, 'Unknown') as agency,
        coalesce(risk.population, 'Unknown') as population,
        coalesce(risk.instrument, 'Not assessed') as instrument,
        coalesce(risk.risk_level, 'Unknown') as risk_level,
        coalesce(risk.age_group, 'Unknown') as age_group,
        coalesce(risk.assigned_sex, 'Unknown') as assigned_sex,
        coalesce(risk.gender_identity, 'Unknown') as gender_identity,
        coalesce(risk.race, 'Other / Unknown') as race,
        coalesce(risk.ethnicity, 'Unavailable') as ethnicity,
        {{ record_fingerprint(snapshot_identity('risk')) }} as record_fingerprint
    from risk
    left join agencies on risk.agency_code = agencies.agency_code
)

select * from final
