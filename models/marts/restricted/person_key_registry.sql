-- The person-key registry after this build (docs/identity.md, "Person keys"), decided in int_person_key_registry.
-- `crosstrack build` writes it over the registry file once the build has passed. Restricted: person keys and source
-- record ids.
with

registry as (
    select * from {{ ref('int_person_key_registry') }}
),

final as (
    select
        source_system,
        source_record_id,
        person_key,
        assigned_at
    from registry
)

select * from final
