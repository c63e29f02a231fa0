-- docs/rules.md section 10: the releases cohort's records (one per release, R-COH-1) as the public cube reads them,
-- every dimension a public label, never null.
with

releases as (
    select * from {{ ref('releases') }}
),

final as (
    select
        releases.release_key as record_key,
        cast(extract(year from releases.release_date) as integer) as release_year,
        {{ public_place_dimensions() }},
        coalesce(releases.release_type, {{ unknown_value('release_type') }}) as release_type,
        case when releases.is_release_to_community then 'Yes' else 'No' end as release_to_community,
        coalesce(releases.offender_status, {{ unknown_value('offender_status') }}) as offender_status,
        {{ public_person_dimensions('releases') }},
        {{ public_offense_dimensions('releases') }},
        releases.incarceration_days,
        {{ public_program_inputs('releases') }},
        {{ record_fingerprint('releases.release_key') }} as record_fingerprint
    from releases
    {{ public_place_joins('releases') }}
)

select * from final
