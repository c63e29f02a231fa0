-- The person-key registry after this build (docs/identity.md, "Person keys"): every linked source record with its
-- person key, and every record of the previous registry absent from this delivery or unlinked in it, with its key (a
-- key retired by a merge replaced by the key it merged into). `crosstrack build` writes it over the registry file once
-- the build has passed. Restricted: person keys and source record ids.
with

matched as (
    select * from {{ ref('int_person_records_matched') }}
),

assigned as (
    select * from {{ ref('int_person_keys_assigned') }}
),

registry as (
    select * from {{ ref('stg_person_keys__registry') }}
),

merged_keys as (
    select
        old_key,
        min(new_key) as new_key
    from {{ ref('int_person_key_events') }}
    where event_type = 'merge'
    group by old_key
),

delivered_records as (
    select
        matched.source_system,
        matched.source_record_id,
        assigned.person_key,
        assigned.key_assigned_at as assigned_at
    from matched
    inner join assigned on matched.link_anchor = assigned.link_anchor
),

carried_records as (
    select
        registry.source_system,
        registry.source_record_id,
        coalesce(merged_keys.new_key, registry.person_key) as person_key,
        coalesce(survivors.key_assigned_at, registry.assigned_at) as assigned_at
    from registry
    left join delivered_records
        on
            registry.source_system = delivered_records.source_system
            and registry.source_record_id = delivered_records.source_record_id
    left join merged_keys on registry.person_key = merged_keys.old_key
    left join assigned as survivors on merged_keys.new_key = survivors.person_key
    where delivered_records.source_record_id is null
),

final as (
    select * from delivered_records
    union all
    select * from carried_records
)

select * from final
