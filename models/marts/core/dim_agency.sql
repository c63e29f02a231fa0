-- R-AGY-1, R-SRC-1, R-RISK-1: the agencies, the record system each custodial agency runs (reference data),
-- and the first year of its risk and needs cohort (none for Bristol until its data are published).
with

agencies as (
    select * from {{ ref('agencies') }}
),

risk_instruments as (
    select * from {{ ref('risk_instruments') }}
),

agency_instruments as (
    select
        agency_code,
        {{ dbt.listagg('instrument', "', '", "order by instrument") }} as risk_instruments
    from risk_instruments
    group by agency_code
),

agency_start_years as (
    {{ risk_cohort_start_years('risk_instruments') }}
),

final as (
    select
        agencies.agency_code,
        agencies.agency_name,
        agencies.agency_type,
        agencies.custodial_system,
        agencies.is_custodial,
        agencies.counties_served,
        agency_instruments.risk_instruments,
        agency_start_years.risk_cohort_start_year,
        agency_instruments.agency_code is not null as has_published_risk_data,
        agencies.sort_order
    from agencies
    left join agency_instruments
        on agencies.agency_code = agency_instruments.agency_code
    left join agency_start_years
        on agencies.agency_code = agency_start_years.agency_code
)

select * from final
