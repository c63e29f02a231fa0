-- R-PSI-1: every program enrollment of every custodial system with its program (PSI) group from the
-- program_codes seed. IMS enrollments belong to the person (commitment number); OMS and JMS enrollments to a
-- booking or commitment, whose person and agency they take. R-PRG-1 windows are applied by the cohort models.
with

ims_enrollments as (
    select * from {{ ref('stg_ims__program_enrollments') }}
),

oms_enrollments as (
    select * from {{ ref('stg_oms__program_enrollments') }}
),

jms_enrollments as (
    select * from {{ ref('stg_jms__program_enrollments') }}
),

admissions as (
    select * from {{ ref('int_custody_admissions_unioned') }}
),

agencies as (
    select * from {{ ref('agencies') }}
),

program_codes as (
    select * from {{ ref('program_codes') }}
),

ims_agency as (
    select agency_code from agencies where custodial_system = 'ims'
),

enrollments as (
    select
        'ims' as source_system,
        ims_enrollments.ims_enrollment_id as source_enrollment_id,
        cast(null as {{ dbt.type_string() }}) as admission_key,
        {{ source_key("'ims'", 'ims_enrollments.ims_offender_id') }} as source_person_key,
        ims_agency.agency_code,
        ims_enrollments.program_code,
        ims_enrollments.enrollment_date,
        ims_enrollments.exit_date,
        -- IMS program_outcome code set: C is Completed
        ims_enrollments.program_outcome_code = 'C' as is_completed
    from ims_enrollments
    cross join ims_agency

    union all

    select
        'oms' as source_system,
        oms_enrollments.oms_enrollment_id as source_enrollment_id,
        {{ source_key("'oms'", 'oms_enrollments.oms_booking_id') }} as admission_key,
        cast(null as {{ dbt.type_string() }}) as source_person_key,
        cast(null as {{ dbt.type_string() }}) as agency_code,
        oms_enrollments.program_code,
        oms_enrollments.enrollment_date,
        oms_enrollments.exit_date,
        oms_enrollments.is_completed
    from oms_enrollments

    union all

    select
        'jms' as source_system,
        jms_enrollments.jms_enrollment_id as source_enrollment_id,
        {{ source_key("'jms'", 'jms_enrollments.jms_commitment_id') }} as admission_key,
        cast(null as {{ dbt.type_string() }}) as source_person_key,
        cast(null as {{ dbt.type_string() }}) as agency_code,
        jms_enrollments.program_code,
        jms_enrollments.enrollment_date,
        jms_enrollments.exit_date,
        jms_enrollments.is_completed
    from jms_enrollments
),

final as (
    select
        {{ source_key('enrollments.source_system', 'enrollments.source_enrollment_id') }}
            as enrollment_key,
        enrollments.source_system,
        enrollments.source_enrollment_id,
        enrollments.admission_key,
        coalesce(enrollments.source_person_key, admissions.source_person_key) as source_person_key,
        coalesce(enrollments.agency_code, admissions.agency_code) as agency_code,
        enrollments.program_code,
        program_codes.program_group,
        enrollments.enrollment_date,
        enrollments.exit_date,
        enrollments.is_completed
    from enrollments
    left join admissions
        on enrollments.admission_key = admissions.admission_key
    left join program_codes
        on
            enrollments.source_system = program_codes.source_system
            and enrollments.program_code = program_codes.source_code
)

select * from final
