-- docs/rules.md section 10: the releases cohort's records (one per release, R-COH-1) as the public cube reads them,
-- every dimension a public label, never null.
with

releases as (
    select * from {{ ref('releases') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

facility_types as (
    select * from {{ ref('dim_facility_type') }}
),

final as (
    select
        releases.release_key as record_key,
        cast(extract(year from releases.release_date) as integer) as release_year,
        coalesce(agencies.agency_name, 'Unknown') as agency,
        coalesce(facility_types.facility_type, 'Unknown') as facility_type,
        coalesce(releases.release_type, 'Unknown') as release_type,
        case when releases.is_release_to_community then 'Yes' else 'No' end as release_to_community,
        coalesce(releases.offender_status, 'Unknown') as offender_status,
        {{ public_person_dimensions('releases') }},
        {{ public_offense_dimensions('releases') }},
        releases.incarceration_days,
        {{ public_program_inputs('releases') }},
        {{ record_fingerprint('releases.release_key') }} as record_fingerprint
    from releases
    left join agencies on releases.agency_code = agencies.agency_code
    left join facility_types on releases.facility_type_code = facility_types.facility_type_code
)

select * from final
