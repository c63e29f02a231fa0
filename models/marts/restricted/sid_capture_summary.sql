-- R-RPT-2: per agency and year, the person-bearing records delivered, how many carry a SID, and how many
-- carry a SID that agrees with the person they were linked to. The year and quarter are the record's first activity's
-- (first admission, docket filing or supervision start). A SID is well-formed when it matches var('sid_pattern').
-- The one definition the SID capture report (crosstrack report sid-capture and validate --sid-capture) reads.
with

person_links as (
    select * from {{ ref('int_person_records_linked') }}
),

person_records as (
    select * from {{ ref('int_person_records_unioned') }}
),

record_agencies as (
    select * from {{ ref('int_person_records_dated') }}
),

linked_records as (
    select
        person_links.source_system,
        coalesce(record_agencies.agency_code, {{ unknown_value('agency_code') }}) as agency_code,
        extract(year from record_agencies.first_activity_date) as activity_year,
        extract(quarter from record_agencies.first_activity_date) as activity_quarter,
        person_links.has_sid,
        person_links.has_consistent_sid,
        person_records.sid
    from person_links
    inner join person_records
        on
            person_links.source_system = person_records.source_system
            and person_links.source_record_id = person_records.source_record_id
    left join record_agencies
        on
            person_links.source_system = record_agencies.source_system
            and person_links.source_record_id = record_agencies.source_record_id
),

final as (
    select
        source_system,
        agency_code,
        activity_year,
        activity_quarter,
        count(*) as record_count,
        sum(case when has_sid then 1 else 0 end) as records_with_sid,
        sum(case when {{ matches_pattern('sid', var('sid_pattern')) }} then 1 else 0 end)
            as records_with_well_formed_sid,
        sum(case when has_consistent_sid then 1 else 0 end) as records_with_consistent_sid,
        round(avg(case when has_sid then 1.0 else 0.0 end), 4) as share_with_sid,
        round(avg(case when has_consistent_sid then 1.0 else 0.0 end), 4) as share_with_consistent_sid
    from linked_records
    group by source_system, agency_code, activity_year, activity_quarter
)

select * from final
