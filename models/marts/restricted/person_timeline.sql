-- SPEC R-PUB-1: the restricted 360-degree view. Every event of a person across agencies, in chronological order:
-- custody (admission, status change, placement, sentence, charge, release), court (filing, charges, hearings,
-- disposition), programs, assessments and supervision. Person-level, with identifiers: for cleared government
-- users only. Events of rows that cannot be tied to a linked person are accounted for in landing_reconciliation.
with

landing_events as (
    select * from {{ ref('int_landing_events') }}
),

person_links as (
    select * from {{ ref('int_person_records_linked') }}
),

linked as (
    select
        person_links.person_key,
        landing_events.*
    from landing_events
    inner join person_links
        on
            landing_events.source_system = person_links.source_system
            and landing_events.person_record_id = person_links.source_record_id
    where person_links.person_key is not null and landing_events.event_date is not null
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
