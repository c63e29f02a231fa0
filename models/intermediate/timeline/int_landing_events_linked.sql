{{ config(materialized='view') }}
-- R-PUB-1, R-EX-2: the events of int_landing_events that reach the marts: those of a row tied to a linked person
-- and with an event date. person_timeline orders them per person; landing_reconciliation counts them as in the marts.
-- A view: the timeline is the large table, and it is stored once, as person_timeline.
with

landing_events as (
    select * from {{ ref('int_landing_events') }}
),

person_links as (
    select * from {{ ref('int_person_records_linked') }}
),

final as (
    select
        person_links.person_key,
        landing_events.*
    from landing_events
    inner join person_links
        on
            landing_events.source_system = person_links.source_system
            and landing_events.person_record_id = person_links.source_record_id
    where {{ reaches_person_timeline('person_links.person_key', 'landing_events.event_date') }}
)

select * from final
