-- R-SRC-3: each person's key (docs/identity.md, "Person keys"). A person is a cluster of records with one
-- link_anchor (int_person_records_matched). Its key, from the person-key registry (int_person_key_shares):
--   - none of its records is in the registry: a new random key (new_person_key, never a function of an identifier);
--   - it holds one previous key: that key (a person delivered again keeps the key);
--   - it holds several (a MERGE): the earliest assigned (tie: the smallest key); the others are retired;
--   - its records' previous keys are all held by other clusters (a SPLIT): a new random key.
-- A table, so each new key is drawn once per build; person_key_events records the merges and splits.
with

clusters as (
    select
        link_anchor,
        count(*) as record_count
    from {{ ref('int_person_records_matched') }}
    where link_anchor is not null
    group by link_anchor
),

held_keys as (
    select
        link_anchor,
        previous_key,
        previous_key_assigned_at,
        row_number() over (
            partition by link_anchor
            order by previous_key_assigned_at asc, previous_key asc
        ) as keep_rank,
        count(*) over (partition by link_anchor) as held_key_count
    from {{ ref('int_person_key_shares') }}
    where is_holder
),

kept_keys as (
    select
        link_anchor,
        previous_key,
        previous_key_assigned_at,
        held_key_count
    from held_keys
    where keep_rank = 1
),

final as (
    select
        clusters.link_anchor,
        coalesce(kept_keys.previous_key, {{ new_person_key() }}) as person_key,
        case
            when kept_keys.previous_key is null then 'new'
            when kept_keys.held_key_count > 1 then 'merged'
            else 'kept'
        end as key_origin,
        coalesce(kept_keys.previous_key_assigned_at, {{ person_key_build_time() }}) as key_assigned_at,
        clusters.record_count
    from clusters
    left join kept_keys on clusters.link_anchor = kept_keys.link_anchor
)

select * from final
