-- Each person (a cluster of records with one link_anchor) and the previous keys its records carry in the
-- person-key registry: how many of its records carry each key, when the key was assigned, and whether this cluster
-- holds the key. A previous key whose records now fall in several clusters (a SPLIT) is held by the cluster with
-- the most of its records (tie: the smallest anchor); int_person_keys_assigned keeps or retires held keys.
with

matched as (
    select
        source_system,
        source_record_id,
        link_anchor
    from {{ ref('int_person_records_matched') }}
    where link_anchor is not null
),

registry as (
    select
        source_system,
        source_record_id,
        person_key,
        assigned_at
    from {{ ref('stg_person_keys__registry') }}
),

registry_keys as (
    select
        person_key,
        min(assigned_at) as assigned_at
    from registry
    group by person_key
),

shares as (
    select
        matched.link_anchor,
        registry.person_key as previous_key,
        count(*) as record_count
    from matched
    inner join registry
        on
            matched.source_system = registry.source_system
            and matched.source_record_id = registry.source_record_id
    group by matched.link_anchor, registry.person_key
),

ranked as (
    select
        shares.link_anchor,
        shares.previous_key,
        shares.record_count,
        registry_keys.assigned_at as previous_key_assigned_at,
        row_number() over (
            partition by shares.previous_key
            order by shares.record_count desc, shares.link_anchor asc
        ) as holder_rank,
        count(*) over (partition by shares.previous_key) as cluster_count
    from shares
    inner join registry_keys on shares.previous_key = registry_keys.person_key
),

final as (
    select
        link_anchor,
        previous_key,
        record_count,
        previous_key_assigned_at,
        holder_rank = 1 as is_holder,
        cluster_count > 1 as is_split
    from ranked
)

select * from final
