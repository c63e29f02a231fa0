-- docs/rules.md section 10: the custodial cohort's records (one per person and January 1, R-COH-1) as the public cube
-- reads them: every dimension a public label, never null (a null in a cell then means "all"). Offense
-- dimensions: the governing offense for sentenced people, the leading charge for pretrial (R-CHG-2..4).
with

snapshots as (
    select * from {{ ref('custodial_snapshots') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

facility_types as (
    select * from {{ ref('dim_facility_type') }}
),

final as (
    select
        snapshots.snapshot_key as record_key,
        snapshots.snapshot_date,
        coalesce(agencies.agency_name, 'Unknown') as agency,
        coalesce(facility_types.facility_type, 'Unknown') as facility_type,
        coalesce(snapshots.offender_status, 'Unknown') as offender_status,
        {{ public_person_dimensions('snapshots') }},
        {{ public_offense_dimensions('snapshots') }},
        snapshots.incarceration_days,
        {{ public_program_inputs('snapshots') }},
        {{ record_fingerprint(snapshot_identity('snapshots')) }} as record_fingerprint
    from snapshots
    left join agencies on snapshots.agency_code = agencies.agency_code
    left join facility_types on snapshots.facility_type_code = facility_types.facility_type_code
)

select * from final
