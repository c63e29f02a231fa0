-- SPEC R-SRC-3, R-RPT-2: how the records of each system were linked to a person, and how many could not be, by
-- reason. Operational counts for the data stewards (restricted layer: not suppressed).
with

person_links as (
    select * from {{ ref('int_person_records_linked') }}
),

final as (
    select
        source_system,
        match_method,
        coalesce(unlinked_reason, '') as unlinked_reason,
        count(*) as record_count,
        sum(case when has_sid then 1 else 0 end) as records_with_sid,
        sum(case when has_consistent_sid then 1 else 0 end) as records_with_consistent_sid
    from person_links
    group by source_system, match_method, coalesce(unlinked_reason, '')
)

select * from final
