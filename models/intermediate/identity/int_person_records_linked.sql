-- R-SRC-3: every person-bearing record with its person_key (int_person_keys_assigned, random and kept across
-- builds) and how it was matched (int_person_records_matched), or a null person_key and the reason it could not be
-- linked with confidence. The interface for the rest of the warehouse.
with

matched as (
    select * from {{ ref('int_person_records_matched') }}
),

assigned as (
    select * from {{ ref('int_person_keys_assigned') }}
),

final as (
    select
        matched.source_system,
        matched.source_record_id,
        assigned.person_key,
        matched.link_anchor,
        matched.match_method,
        matched.match_probability,
        matched.unlinked_reason,
        matched.has_sid,
        matched.has_consistent_sid
    from matched
    left join assigned on matched.link_anchor = assigned.link_anchor
)

select * from final
