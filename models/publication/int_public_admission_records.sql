-- docs/rules.md section 10: the admissions cohort's records (one per admission, R-COH-1) as the public cube reads them,
-- every dimension a public label, never null.
with

admissions as (
    select * from {{ ref('admissions') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

facility_types as (
    select * from {{ ref('dim_facility_type') }}
),

final as (
    select
        admissions.admission_key as record_key,
        cast(extract(year from admissions.admission_date) as integer) as admission_year,
        coalesce(agencies.agency_name, 'Unknown') as agency,
        coalesce(facility_types.facility_type, 'Unknown') as facility_type,
        coalesce(admissions.admission_type, 'Unknown') as admission_type,
        coalesce(admissions.offender_status, 'Unknown') as offender_status,
        {{ public_person_dimensions('admissions') }},
        {{ public_offense_dimensions('admissions') }},
        {{ record_fingerprint('admissions.admission_key') }} as record_fingerprint
    from admissions
    left join agencies on admissions.agency_code = agencies.agency_code
    left join facility_types on admissions.facility_type_code = facility_types.facility_type_code
)

select * from final
