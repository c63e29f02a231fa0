{{ config(materialized='table') }}
-- The person-key registry as this build found it (source person_keys.registry: a restricted file beside the
-- warehouse, kept across builds; docs/identity.md, "Person keys"). A table, so the build reads the file once and
-- what it started from stays in the warehouse.
with

registry as (
    select * from {{ source('person_keys', 'registry') }}
),

final as (
    select
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(source_record_id as {{ dbt.type_string() }}) as source_record_id,
        cast(person_key as {{ dbt.type_string() }}) as person_key,
        cast(assigned_at as {{ dbt.type_timestamp() }}) as assigned_at
    from registry
)

select * from final
