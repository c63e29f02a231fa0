-- Every person-bearing record with its conformed agency (the Sheriff's Office for OMS and JMS records) and the
-- date of its first activity in its system (first admission, docket filing or supervision start). Used by the
-- SID capture report (SPEC R-RPT-2) and the identity link summary (SPEC R-SRC-3).
with

agency_codes as (
    select * from {{ ref('agency_source_codes') }}
),

ims_first_activity as (
    select
        ims_offender_id as source_record_id,
        min(admission_date) as first_activity_date
    from {{ ref('stg_ims__admissions') }}
    group by ims_offender_id
),

oms_inmates as (
    select * from {{ ref('stg_oms__inmates') }}
),

oms_first_activity as (
    select
        oms_inmate_id as source_record_id,
        min(booking_date) as first_activity_date
    from {{ ref('stg_oms__bookings') }}
    group by oms_inmate_id
),

jms_inmates as (
    select * from {{ ref('stg_jms__inmates') }}
),

jms_first_activity as (
    select
        jms_person_id as source_record_id,
        min(cast(commitment_at as date)) as first_activity_date
    from {{ ref('stg_jms__commitments') }}
    group by jms_person_id
),

court_dockets as (
    select * from {{ ref('stg_masscourts__dockets') }}
),

parole_first_activity as (
    select
        parolee_id as source_record_id,
        min(supervision_start_date) as first_activity_date
    from {{ ref('stg_parole__supervision_periods') }}
    group by parolee_id
),

probation_first_activity as (
    select
        probationer_id as source_record_id,
        min(supervision_start_date) as first_activity_date
    from {{ ref('stg_probation__supervision_periods') }}
    group by probationer_id
),

record_agencies as (
    select
        'ims' as source_system,
        source_record_id,
        'DOC' as agency_code,
        first_activity_date
    from ims_first_activity
    union all
    select
        'oms' as source_system,
        oms_inmates.oms_inmate_id as source_record_id,
        coalesce(agency_codes.agency_code, 'UNKNOWN') as agency_code,
        oms_first_activity.first_activity_date
    from oms_inmates
    left join oms_first_activity on oms_inmates.oms_inmate_id = oms_first_activity.source_record_id
    left join agency_codes
        on agency_codes.source_system = 'oms' and oms_inmates.site_code = agency_codes.source_code
    union all
    select
        'jms' as source_system,
        jms_inmates.jms_person_id as source_record_id,
        coalesce(agency_codes.agency_code, 'UNKNOWN') as agency_code,
        jms_first_activity.first_activity_date
    from jms_inmates
    left join jms_first_activity on jms_inmates.jms_person_id = jms_first_activity.source_record_id
    left join agency_codes
        on agency_codes.source_system = 'jms' and jms_inmates.agency_code = agency_codes.source_code
    union all
    select
        'masscourts' as source_system,
        docket_number as source_record_id,
        'TRIAL_COURT' as agency_code,
        filing_date as first_activity_date
    from court_dockets
    union all
    select
        'parole' as source_system,
        source_record_id,
        'PAROLE' as agency_code,
        first_activity_date
    from parole_first_activity
    union all
    select
        'probation' as source_system,
        source_record_id,
        'PROBATION' as agency_code,
        first_activity_date
    from probation_first_activity
),

final as (
    select * from record_agencies
)

select * from final
