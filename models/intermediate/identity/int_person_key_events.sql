-- The merges and splits of person keys in this build (docs/identity.md, "Person keys"), so a change of the linkage
-- rules leaves a trail from every retired or moved key to the key its records carry now:
--   merge: a retired key, whose records joined a person that kept another key (old_key -> new_key);
--   split: records that left the person holding their key for another person (old_key -> that person's key).
-- Restricted: person keys.
with

shares as (
    select * from {{ ref('int_person_key_shares') }}
),

assigned as (
    select * from {{ ref('int_person_keys_assigned') }}
),

moved as (
    select
        case when shares.is_holder then 'merge' else 'split' end as event_type,
        shares.previous_key as old_key,
        assigned.person_key as new_key,
        shares.record_count
    from shares
    inner join assigned on shares.link_anchor = assigned.link_anchor
    where shares.previous_key <> assigned.person_key
),

final as (
    select
        event_type,
        old_key,
        new_key,
        record_count,
        {{ person_key_build_time() }} as built_at,
        cast('{{ var("as_of") }}' as date) as as_of
    from moved
)

select * from final
