-- R-PUB-1: the restricted 360-degree view. Every event of a person across agencies, in chronological order:
-- custody (admission, status change, placement, sentence, charge, release), court (filing, charges, hearings,
-- disposition), programs, assessments and supervision. Person-level, with identifiers: for cleared government
-- users only. Which events reach it: int_landing_events_linked; the others are accounted for in
-- landing_reconciliation.
with

linked as (
    select * from {{ ref('int_landing_events_linked') }}
),

final as (
    select
        person_key,
        row_number() over (
            partition by person_key
            order by event_date, source_system, event_type, source_event_id
        ) as event_sequence,
        event_date,
        event_type,
        event_code,
        agency,
        source_system,
        file_name,
        person_record_id,
        source_event_id
    from linked
)

select * from final
