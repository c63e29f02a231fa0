-- docs/rules.md section 10: the custodial cohort's records (one per person and January 1, R-COH-1) as the public cube
-- reads them: every dimension a public label, never null (a null in a cell then means "all"). Offense
-- dimensions: the governing offense for sentenced people, the leading charge for pretrial (R-CHG-2..4).
with

snapshots as (
    select * from {{ ref('custodial_snapshots') }}
),

final as (
    select
        snapshots.snapshot_key as record_key,
        snapshots.snapshot_date,
        {{ public_place_dimensions() }},
        coalesce(snapshots.offender_status, {{ unknown_value('offender_status') }}) as offender_status,
        {{ public_person_dimensions('snapshots') }},
        {{ public_offense_dimensions('snapshots') }},
        snapshots.incarceration_days,
        {{ public_program_inputs('snapshots') }},
        {{ record_fingerprint(snapshot_identity('snapshots')) }} as record_fingerprint
    from snapshots
    {{ public_place_joins('snapshots') }}
)

select * from final
