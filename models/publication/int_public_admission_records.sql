-- docs/rules.md section 10: the admissions cohort's records (one per admission, R-COH-1) as the public cube reads them,
-- every dimension a public label, never null.
with

admissions as (
    select * from {{ ref('admissions') }}
),

final as (
    select
        admissions.admission_key as record_key,
        cast(extract(year from admissions.admission_date) as integer) as admission_year,
        {{ public_place_dimensions() }},
        coalesce(admissions.admission_type, {{ unknown_value('admission_type') }}) as admission_type,
        coalesce(admissions.offender_status, {{ unknown_value('offender_status') }}) as offender_status,
        {{ public_person_dimensions('admissions') }},
        {{ public_offense_dimensions('admissions') }},
        {{ record_fingerprint('admissions.admission_key') }} as record_fingerprint
    from admissions
    {{ public_place_joins('admissions') }}
)

select * from final
