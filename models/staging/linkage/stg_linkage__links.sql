{{ config(materialized='table') }}
-- The link table of the build's link stage (source linkage.links, docs/identity.md "Probabilistic linkage") when
-- the build links with splink (CROSSTRACK_LINK_TABLE set); empty otherwise, and the deterministic rules of
-- int_person_records_matched apply. A table, so the build reads the file once. Restricted: source record ids.
{%- set no_text = "cast(null as " ~ dbt.type_string() ~ ")" %}
with

{% if env_var("CROSSTRACK_LINK_TABLE", "") %}
    links as (
        select * from {{ source('linkage', 'links') }}
    ),
{% else %}
    links as (
        select
            {{ no_text }} as source_system,
            {{ no_text }} as source_record_id,
            {{ no_text }} as link_anchor,
            {{ no_text }} as match_method,
            cast(null as {{ dbt.type_float() }}) as match_probability
        where 1 = 0
    ),
{% endif %}

final as (
    select
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(source_record_id as {{ dbt.type_string() }}) as source_record_id,
        cast(link_anchor as {{ dbt.type_string() }}) as link_anchor,
        cast(match_method as {{ dbt.type_string() }}) as match_method,
        cast(match_probability as {{ dbt.type_float() }}) as match_probability
    from links
)

select * from final
