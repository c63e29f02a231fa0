-- One row per offender status period within an admission (IMS statuses, OMS custody statuses, JMS status
-- history), with the conformed offender status: Sentenced, Pretrial, or Excluded with its reason (R-EX-1);
-- a parole violator is Sentenced and flagged (R-INC-3).
with

ims_statuses as (
    select * from {{ ref('stg_ims__statuses') }}
),

oms_statuses as (
    select * from {{ ref('stg_oms__custody_statuses') }}
),

jms_statuses as (
    select * from {{ ref('stg_jms__status_history') }}
),

offender_status_codes as (
    select * from {{ ref('offender_status_codes') }}
),

facility_type_codes as (
    select * from {{ ref('facility_type_codes') }}
),

statuses as (
    select
        'ims' as source_system,
        ims_status_id as source_status_id,
        ims_admission_id as source_admission_id,
        offender_status_code as status_code,
        cast(null as {{ dbt.type_string() }}) as facility_type_source_code,
        status_start_date,
        status_end_date
    from ims_statuses

    union all

    select
        'oms' as source_system,
        oms_status_id as source_status_id,
        oms_booking_id as source_admission_id,
        custody_status_code as status_code,
        facility_type_code as facility_type_source_code,
        status_start_date,
        status_end_date
    from oms_statuses

    union all

    select
        'jms' as source_system,
        jms_status_history_id as source_status_id,
        jms_commitment_id as source_admission_id,
        status_code,
        facility_type_code as facility_type_source_code,
        cast(status_start_at as date) as status_start_date,
        cast(status_end_at as date) as status_end_date
    from jms_statuses
),

final as (
    select
        {{ source_key('statuses.source_system', 'statuses.source_status_id') }} as status_key,
        {{ source_key('statuses.source_system', 'statuses.source_admission_id') }} as admission_key,
        statuses.source_system,
        statuses.source_status_id,
        statuses.status_code,
        offender_status_codes.offender_status,
        coalesce(offender_status_codes.is_excluded_status, false) as is_excluded_status,
        nullif(offender_status_codes.exclusion_reason_code, '') as exclusion_reason_code,
        coalesce(offender_status_codes.is_parole_violator, false) as is_parole_violator,
        facility_type_codes.facility_type_code,
        statuses.status_start_date,
        statuses.status_end_date
    from statuses
    left join offender_status_codes
        on
            statuses.source_system = offender_status_codes.source_system
            and statuses.status_code = offender_status_codes.source_code
    left join facility_type_codes
        on
            statuses.source_system = facility_type_codes.source_system
            and statuses.facility_type_source_code = facility_type_codes.source_code
)

select * from final
