-- R-SRC-3, R-RPT-2: how the records of each system and agency were linked to a person, and how many could
-- not be, by reason. Operational counts for the data stewards (restricted layer: not suppressed).
with

person_links as (
    select * from {{ ref('int_person_records_linked') }}
),

record_agencies as (
    select * from {{ ref('int_person_records_dated') }}
),

linked_records as (
    select
        person_links.source_system,
        coalesce(record_agencies.agency_code, {{ unknown_value('agency_code') }}) as agency_code,
        person_links.match_method,
        coalesce(person_links.unlinked_reason, '') as unlinked_reason,
        person_links.has_sid,
        person_links.has_consistent_sid
    from person_links
    left join record_agencies
        on
            person_links.source_system = record_agencies.source_system
            and person_links.source_record_id = record_agencies.source_record_id
),

final as (
    select
        source_system,
        agency_code,
        match_method,
        unlinked_reason,
        count(*) as record_count,
        sum(case when has_sid then 1 else 0 end) as records_with_sid,
        sum(case when has_consistent_sid then 1 else 0 end) as records_with_consistent_sid
    from linked_records
    group by source_system, agency_code, match_method, unlinked_reason
)

select * from final
