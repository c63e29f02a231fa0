-- One row per risk assessment from every system, in the interface the banding rule takes (R-RISK-1,
-- R-RISK-2): instrument, version, assigned sex, source system, and the score (or result code) or the level
-- as delivered. The instrument comes from reference data (risk_instruments), never from model logic.
with

compas as (
    select * from {{ ref('stg_ims__compas_assessments') }}
),

ims_offenders as (
    select * from {{ ref('stg_ims__offenders') }}
),

oms_assessments as (
    select * from {{ ref('stg_oms__assessments') }}
),

oms_inmates as (
    select * from {{ ref('stg_oms__inmates') }}
),

jms_assessments as (
    select * from {{ ref('stg_jms__assessments') }}
),

jms_inmates as (
    select * from {{ ref('stg_jms__inmates') }}
),

lscmi as (
    select * from {{ ref('stg_parole__lscmi_assessments') }}
),

parolees as (
    select * from {{ ref('stg_parole__parolees') }}
),

oras as (
    select * from {{ ref('stg_probation__oras_assessments') }}
),

probationers as (
    select * from {{ ref('stg_probation__probationers') }}
),

agency_source_codes as (
    select * from {{ ref('agency_source_codes') }}
),

assigned_sex_codes as (
    select * from {{ ref('assigned_sex_codes') }}
),

risk_instruments as (
    select * from {{ ref('risk_instruments') }}
),

instrument_codes as (
    -- an instrument code means the same instrument whichever agency records it
    select distinct
        source_system,
        source_instrument_code,
        instrument
    from risk_instruments
),

assessments as (
    select
        'ims' as source_system,
        compas.ims_assessment_id as source_assessment_id,
        compas.ims_offender_id as source_person_id,
        'DOC' as agency_code,
        compas.assessment_date,
        'COMPAS' as source_instrument_code,
        cast(null as integer) as item_count,
        cast(null as integer) as score,
        compas.risk_level_code as level_code,
        ims_offenders.assigned_sex_code
    from compas
    left join ims_offenders
        on compas.ims_offender_id = ims_offenders.ims_offender_id

    union all

    select
        'oms' as source_system,
        oms_assessments.oms_assessment_id as source_assessment_id,
        oms_assessments.oms_inmate_id as source_person_id,
        oms_sites.agency_code,
        oms_assessments.assessment_date,
        oms_assessments.instrument_code as source_instrument_code,
        cast(null as integer) as item_count,
        oms_assessments.score_code as score,
        oms_assessments.risk_level_code as level_code,
        oms_inmates.assigned_sex_code
    from oms_assessments
    left join oms_inmates
        on oms_assessments.oms_inmate_id = oms_inmates.oms_inmate_id
    left join agency_source_codes as oms_sites
        on
            oms_sites.source_system = 'oms'
            and oms_inmates.site_code = oms_sites.source_code

    union all

    select
        'jms' as source_system,
        jms_assessments.jms_assessment_id as source_assessment_id,
        jms_assessments.jms_person_id as source_person_id,
        jms_agencies.agency_code,
        jms_assessments.assessment_date,
        upper(trim(jms_assessments.instrument_name)) as source_instrument_code,
        cast(null as integer) as item_count,
        jms_assessments.total_score as score,
        cast(null as {{ dbt.type_string() }}) as level_code,
        jms_inmates.assigned_sex_code
    from jms_assessments
    left join jms_inmates
        on jms_assessments.jms_person_id = jms_inmates.jms_person_id
    left join agency_source_codes as jms_agencies
        on
            jms_agencies.source_system = 'jms'
            and jms_inmates.agency_code = jms_agencies.source_code

    union all

    select
        'parole' as source_system,
        lscmi.parole_assessment_id as source_assessment_id,
        lscmi.parolee_id as source_person_id,
        'PAROLE' as agency_code,
        lscmi.assessment_date,
        'LSCMI' as source_instrument_code,
        cast(null as integer) as item_count,
        lscmi.total_score as score,
        cast(null as {{ dbt.type_string() }}) as level_code,
        parolees.assigned_sex_code
    from lscmi
    left join parolees
        on lscmi.parolee_id = parolees.parolee_id

    union all

    select
        'probation' as source_system,
        oras.probation_assessment_id as source_assessment_id,
        oras.probationer_id as source_person_id,
        'PROBATION' as agency_code,
        oras.assessment_date,
        oras.instrument_code as source_instrument_code,
        oras.item_count,
        oras.total_score as score,
        cast(null as {{ dbt.type_string() }}) as level_code,
        probationers.assigned_sex_code
    from oras
    left join probationers
        on oras.probationer_id = probationers.probationer_id
),

final as (
    select
        {{ source_key('assessments.source_system', 'assessments.source_assessment_id') }} as assessment_key,
        {{ source_key('assessments.source_system', 'assessments.source_person_id') }} as source_person_key,
        assessments.source_system,
        assessments.source_assessment_id,
        assessments.agency_code,
        assessments.assessment_date,
        instrument_codes.instrument,
        -- the ORAS-CSST changed from 4 to 9 items in 2019: the item count says which, else the date does
        case
            when instrument_codes.instrument = 'ORAS-CSST'
                then
                    {{ dbt.concat([
                        "cast(coalesce(assessments.item_count, case when assessments.assessment_date < cast('2019-01-01' as date) then 4 else 9 end) as " ~ dbt.type_string() ~ ")",
                        "'-item'",
                    ]) }}
            else 'standard'
        end as version,
        coalesce(assigned_sex_codes.assigned_sex, {{ unknown_value('assigned_sex') }}) as assigned_sex,
        assessments.score,
        assessments.level_code
    from assessments
    left join instrument_codes
        on
            assessments.source_system = instrument_codes.source_system
            and assessments.source_instrument_code = instrument_codes.source_instrument_code
    left join assigned_sex_codes
        on
            assessments.source_system = assigned_sex_codes.source_system
            and assessments.assigned_sex_code = assigned_sex_codes.source_code
)

select * from final
