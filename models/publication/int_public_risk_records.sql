-- R-RISK-1..4 and section 10: the risk and needs cohort's records (one per person, agency and January 1)
-- as the public cube reads them. A person never assessed is counted with the level Not Assessed (R-RISK-4).
with

risk as (
    select * from {{ ref('risk_and_needs') }}
),

final as (
    select
        risk.risk_and_needs_key as record_key,
        risk.snapshot_date,
        {{ public_place_dimensions(facility_type=false) }},
        coalesce(risk.population, {{ unknown_value('population') }}) as population,
        coalesce(risk.instrument, {{ unknown_value('instrument') }}) as instrument,
        coalesce(risk.risk_level, {{ unknown_value('risk_level') }}) as risk_level,
        coalesce(risk.age_group, {{ unknown_value('age_group') }}) as age_group,
        coalesce(risk.assigned_sex, {{ unknown_value('assigned_sex') }}) as assigned_sex,
        coalesce(risk.gender_identity, {{ unknown_value('gender_identity') }}) as gender_identity,
        coalesce(risk.race, {{ unknown_value('race') }}) as race,
        coalesce(risk.ethnicity, {{ unknown_value('ethnicity') }}) as ethnicity,
        {{ record_fingerprint(snapshot_identity('risk')) }} as record_fingerprint
    from risk
    {{ public_place_joins('risk', facility_type=false) }}
)

select * from final
