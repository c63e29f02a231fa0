-- Every person-bearing record with its conformed agency (the Sheriff's Office for OMS and JMS records) and the
-- date of its first activity in its system (first admission, docket filing or supervision start). Used by the
-- SID capture report (R-RPT-2) and the identity link summary (R-SRC-3). The records come from the one
-- union of the person tables; a DOC, Parole or Probation record is dated (and given its agency) only once it has
-- an admission or a supervision period.
with

person_records as (
    select * from {{ ref('int_person_records_unioned') }}
),

agency_codes as (
    select * from {{ ref('agency_source_codes') }}
),

first_activities as (
    select
        'ims' as source_system,
        ims_offender_id as source_record_id,
        min(admission_date) as first_activity_date
    from {{ ref('stg_ims__admissions') }}
    group by ims_offender_id
    union all
    select
        'oms' as source_system,
        oms_inmate_id as source_record_id,
        min(booking_date) as first_activity_date
    from {{ ref('stg_oms__bookings') }}
    group by oms_inmate_id
    union all
    select
        'jms' as source_system,
        jms_person_id as source_record_id,
        min(cast(commitment_at as date)) as first_activity_date
    from {{ ref('stg_jms__commitments') }}
    group by jms_person_id
    union all
    select
        'masscourts' as source_system,
        docket_number as source_record_id,
        min(filing_date) as first_activity_date
    from {{ ref('stg_masscourts__dockets') }}
    group by docket_number
    union all
    select
        'parole' as source_system,
        parolee_id as source_record_id,
        min(supervision_start_date) as first_activity_date
    from {{ ref('stg_parole__supervision_periods') }}
    group by parolee_id
    union all
    select
        'probation' as source_system,
        probationer_id as source_record_id,
        min(supervision_start_date) as first_activity_date
    from {{ ref('stg_probation__supervision_periods') }}
    group by probationer_id
),

final as (
    select
        person_records.source_system,
        person_records.source_record_id,
        case person_records.source_system
            when 'ims' then 'DOC'
            when 'masscourts' then 'TRIAL_COURT'
            when 'parole' then 'PAROLE'
            when 'probation' then 'PROBATION'
            else coalesce(agency_codes.agency_code, {{ unknown_value('agency_code') }})
        end as agency_code,
        first_activities.first_activity_date
    from person_records
    left join first_activities
        on
            person_records.source_system = first_activities.source_system
            and person_records.source_record_id = first_activities.source_record_id
    left join agency_codes
        on
            person_records.source_system = agency_codes.source_system
            and person_records.agency_source_code = agency_codes.source_code
    where
        person_records.source_system in ('oms', 'jms', 'masscourts')
        or first_activities.source_record_id is not null
)

select * from final
