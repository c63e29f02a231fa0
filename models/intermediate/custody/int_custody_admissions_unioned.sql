-- One row per admission to a custodial agency (IMS admissions, OMS bookings, JMS commitments), conformed:
-- agency (R-SRC-1, from reference data), admission and release types (R-ADM-1, R-REL-1, R-COH-2), the
-- exclusion an admission code denotes (R-EX-1), self-reported statuses (R-SELF-1) and age at admission
-- (R-AGE-1). Persons are the source system's own (identity resolution links them across systems later).
with

ims_admissions as (
    select * from {{ ref('stg_ims__admissions') }}
),

ims_offenders as (
    select * from {{ ref('stg_ims__offenders') }}
),

oms_bookings as (
    select * from {{ ref('stg_oms__bookings') }}
),

oms_inmates as (
    select * from {{ ref('stg_oms__inmates') }}
),

jms_commitments as (
    select * from {{ ref('stg_jms__commitments') }}
),

jms_inmates as (
    select * from {{ ref('stg_jms__inmates') }}
),

agencies as (
    select * from {{ ref('agencies') }}
),

agency_source_codes as (
    select * from {{ ref('agency_source_codes') }}
),

admission_type_codes as (
    select * from {{ ref('admission_type_codes') }}
),

admission_types as (
    select * from {{ ref('admission_types') }}
),

release_type_codes as (
    select * from {{ ref('release_type_codes') }}
),

release_types as (
    select * from {{ ref('release_types') }}
),

assigned_sex_codes as (
    select * from {{ ref('assigned_sex_codes') }}
),

self_report_codes as (
    select * from {{ ref('self_report_codes') }}
),

ims_agency as (
    -- the agency that runs IMS, from reference data
    select agency_code from agencies where custodial_system = 'ims'
),

admissions as (
    select
        'ims' as source_system,
        ims_admissions.ims_admission_id as source_admission_id,
        ims_admissions.ims_offender_id as source_person_id,
        ims_agency.agency_code,
        ims_admissions.admission_date,
        ims_admissions.release_date,
        ims_admissions.admission_type_code,
        ims_admissions.release_type_code,
        ims_admissions.reproductive_health_code,
        ims_admissions.primary_caretaker_code,
        ims_offenders.birth_date,
        ims_offenders.assigned_sex_code
    from ims_admissions
    cross join ims_agency
    left join ims_offenders
        on ims_admissions.ims_offender_id = ims_offenders.ims_offender_id

    union all

    select
        'oms' as source_system,
        oms_bookings.oms_booking_id as source_admission_id,
        oms_bookings.oms_inmate_id as source_person_id,
        oms_sites.agency_code,
        oms_bookings.booking_date as admission_date,
        oms_bookings.release_date,
        oms_bookings.booking_reason_code as admission_type_code,
        oms_bookings.release_reason_code as release_type_code,
        oms_bookings.reproductive_health_code,
        oms_bookings.primary_caretaker_code,
        oms_inmates.birth_date,
        oms_inmates.assigned_sex_code
    from oms_bookings
    left join oms_inmates
        on oms_bookings.oms_inmate_id = oms_inmates.oms_inmate_id
    left join agency_source_codes as oms_sites
        on
            oms_sites.source_system = 'oms'
            and oms_bookings.site_code = oms_sites.source_code

    union all

    select
        'jms' as source_system,
        jms_commitments.jms_commitment_id as source_admission_id,
        jms_commitments.jms_person_id as source_person_id,
        jms_agencies.agency_code,
        cast(jms_commitments.commitment_at as date) as admission_date,
        cast(jms_commitments.release_at as date) as release_date,
        jms_commitments.commit_reason_code as admission_type_code,
        jms_commitments.release_reason_code as release_type_code,
        jms_commitments.reproductive_health_code,
        jms_commitments.primary_caretaker_code,
        jms_inmates.birth_date,
        jms_inmates.assigned_sex_code
    from jms_commitments
    left join jms_inmates
        on jms_commitments.jms_person_id = jms_inmates.jms_person_id
    left join agency_source_codes as jms_agencies
        on
            jms_agencies.source_system = 'jms'
            and jms_commitments.agency_code = jms_agencies.source_code
),

conformed as (
    select
        {{ source_key('admissions.source_system', 'admissions.source_admission_id') }} as admission_key,
        {{ source_key('admissions.source_system', 'admissions.source_person_id') }} as source_person_key,
        admissions.source_system,
        admissions.source_admission_id,
        admissions.source_person_id,
        admissions.agency_code,
        -- R-SRC-1: a row from an office that, per reference data, does not run this system
        coalesce(agencies.custodial_system = admissions.source_system, false) as is_expected_agency_system,
        admissions.admission_date,
        admissions.release_date,
        admissions.admission_type_code,
        admission_type_codes.admission_type,
        coalesce(admission_types.is_parole_violation, false) as is_parole_violation_admission,
        coalesce(admission_types.is_transfer, false) as is_transfer_admission,
        coalesce(admission_type_codes.is_excluded_admission, false) as is_excluded_admission,
        nullif(admission_type_codes.exclusion_reason_code, '') as admission_exclusion_reason_code,
        admissions.release_type_code,
        release_type_codes.release_type,
        -- R-COH-2
        coalesce(release_types.is_release_to_community, false) as is_release_to_community,
        coalesce(assigned_sex_codes.assigned_sex, {{ unknown_value('assigned_sex') }}) as assigned_sex,
        -- R-SELF-1: refused, rejected, declined or missing show as Unknown; reproductive health for females only
        case
            when assigned_sex_codes.assigned_sex = 'Female'
                then coalesce(reproductive_health.self_report_status, {{ unknown_value('self_report_status') }})
        end as reproductive_health_status,
        coalesce(primary_caretaker.self_report_status, {{ unknown_value('self_report_status') }})
            as primary_caretaker_status,
        admissions.birth_date,
        {{ age_at('admissions.birth_date', 'admissions.admission_date') }} as age_at_admission
    from admissions
    left join agencies
        on admissions.agency_code = agencies.agency_code
    left join admission_type_codes
        on
            admissions.source_system = admission_type_codes.source_system
            and admissions.admission_type_code = admission_type_codes.source_code
    left join admission_types
        on admission_type_codes.admission_type = admission_types.admission_type
    left join release_type_codes
        on
            admissions.source_system = release_type_codes.source_system
            and admissions.release_type_code = release_type_codes.source_code
    left join release_types
        on release_type_codes.release_type = release_types.release_type
    left join assigned_sex_codes
        on
            admissions.source_system = assigned_sex_codes.source_system
            and admissions.assigned_sex_code = assigned_sex_codes.source_code
    left join self_report_codes as reproductive_health
        on
            admissions.source_system = reproductive_health.source_system
            and admissions.reproductive_health_code = reproductive_health.source_code
    left join self_report_codes as primary_caretaker
        on
            admissions.source_system = primary_caretaker.source_system
            and admissions.primary_caretaker_code = primary_caretaker.source_code
),

aged as (
    select
        *,
        -- R-AGE-1, R-EX-1: age group at admission (the admissions cohort date); under 18 is juvenile
        {{ age_group('age_at_admission') }} as age_group_at_admission,
        coalesce(age_at_admission < 18, false) as is_juvenile_at_admission
    from conformed
),

final as (
    select * from aged
)

select * from final
