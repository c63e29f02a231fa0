-- R-RPT-2: per agency and year, the person-bearing records delivered, how many carry a SID, and how many
-- carry a SID that agrees with the person they were linked to. The year is the record's first activity (first
-- admission, docket filing or supervision start). A SID is well-formed when it matches var('sid_pattern').
-- The one definition the SID capture report (analysis and crosstrack validate --sid-capture) reads.
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

final as (
    select
        person_links.source_system,
        coalesce(record_agencies.agency_code, 'UNKNOWN') as agency_code,
        extract(year from record_agencies.first_activity_date) as activity_year,
        count(*) as record_count,
        sum(case when person_links.has_sid then 1 else 0 end) as records_with_sid,
        sum(case when {{ matches_pattern('person_records.sid', var('sid_pattern')) }} then 1 else 0 end)
            as records_with_well_formed_sid,
        sum(case when person_links.has_consistent_sid then 1 else 0 end) as records_with_consistent_sid,
        round(avg(case when person_links.has_sid then 1.0 else 0.0 end), 4) as share_with_sid,
        round(avg(case when person_links.has_consistent_sid then 1.0 else 0.0 end), 4) as share_with_consistent_sid
    from person_links
    inner join person_records
        on
            person_links.source_system = person_records.source_system
            and person_links.source_record_id = person_records.source_record_id
    left join record_agencies
        on
            person_links.source_system = record_agencies.source_system
            and person_links.source_record_id = record_agencies.source_record_id
    group by
        person_links.source_system,
        coalesce(record_agencies.agency_code, 'UNKNOWN'),
        extract(year from record_agencies.first_activity_date)
)

select * from final
