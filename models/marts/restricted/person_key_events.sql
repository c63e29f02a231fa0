-- The merges and splits of person keys in this build (docs/identity.md, "Person keys"), decided in
-- int_person_key_events. Restricted: person keys.
with

events as (
    select * from {{ ref('int_person_key_events') }}
),

final as (
    select
        event_type,
        old_key,
        new_key,
        record_count,
        built_at,
        as_of
    from events
)

select * from final
