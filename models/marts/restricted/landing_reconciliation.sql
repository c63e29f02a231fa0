-- R-EX-2: every landing row of every file is in a mart, excluded for a stated reason, or rejected for a
-- stated data-quality reason, and the counts reconcile (tests/assert_every_landing_row_is_accounted_for.sql).
-- "In a mart": an event row is in the restricted person timeline; a person-bearing row belongs to a person who
-- has events there. One row per file, disposition and reason.
with

-- the person-bearing files, accounted for through their person (MassCourts dockets carry the defendant): the
-- `timeline.person_file` of each system in the landing contract
person_files as (
    {%- for person_file in landing_person_files() %}
        select
            '{{ person_file.source_system }}' as source_system,
            '{{ person_file.file_name }}' as file_name
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

landing_events as (
    select * from {{ ref('int_landing_events') }}
),

person_links as (
    select * from {{ ref('int_person_records_linked') }}
),

rejects as (
    select * from {{ ref('int_landing_rows_rejected') }}
),

-- every staged event of an event-bearing file with its person record's link, joined once: whether it reaches the
-- person timeline is int_landing_events_linked's own condition (reaches_person_timeline)
linked_events as (
    select
        landing_events.source_system,
        landing_events.file_name,
        landing_events.source_event_id,
        landing_events.person_record_id,
        person_links.source_record_id as linked_record_id,
        person_links.person_key,
        person_links.unlinked_reason,
        {{ reaches_person_timeline('person_links.person_key', 'landing_events.event_date') }} as is_in_timeline
    from landing_events
    left join person_links
        on
            landing_events.source_system = person_links.source_system
            and landing_events.person_record_id = person_links.source_record_id
),

-- the people with an event in the person timeline
timeline_people as (
    select distinct person_key from linked_events where is_in_timeline
),

-- one row per staged event row of a file that is not person-bearing (an admission gives an admission and a
-- release event: counted once)
event_rows as (
    select
        linked_events.source_system,
        linked_events.file_name,
        linked_events.source_event_id,
        max(case when linked_events.is_in_timeline then 1 else 0 end) as is_in_timeline,
        max(case when linked_events.person_record_id is null then 1 else 0 end) as has_no_parent,
        max(case when linked_events.linked_record_id is null then 1 else 0 end) as has_no_person_record,
        max(case when linked_events.person_key is null then 1 else 0 end) as has_no_person,
        max(coalesce(linked_events.unlinked_reason, '')) as unlinked_reason
    from linked_events
    left join person_files
        on
            linked_events.source_system = person_files.source_system
            and linked_events.file_name = person_files.file_name
    where person_files.file_name is null
    group by linked_events.source_system, linked_events.file_name, linked_events.source_event_id
),

event_dispositions as (
    select
        event_rows.source_system,
        event_rows.file_name,
        case when event_rows.is_in_timeline = 1 then 'in_marts' else 'excluded' end as disposition,
        case
            when event_rows.is_in_timeline = 1 then ''
            when event_rows.has_no_parent = 1 then 'the row it belongs to was not staged'
            when event_rows.has_no_person_record = 1 then 'its person record was not staged'
            when event_rows.has_no_person = 1 then 'person not linked: ' || event_rows.unlinked_reason
            else 'no event date'
        end as reason
    from event_rows
),

person_dispositions as (
    select
        person_links.source_system,
        person_files.file_name,
        case when timeline_people.person_key is not null then 'in_marts' else 'excluded' end as disposition,
        case
            when timeline_people.person_key is not null then ''
            when person_links.person_key is null then 'person not linked: ' || person_links.unlinked_reason
            else 'person has no events'
        end as reason
    from person_links
    inner join person_files on person_links.source_system = person_files.source_system
    left join timeline_people on person_links.person_key = timeline_people.person_key
),

reject_dispositions as (
    select
        source_system,
        file_name,
        'rejected' as disposition,
        rejected_by || ': ' || case
            when reject_reason like 'duplicate primary key%' then 'duplicate primary key'
            else reject_reason
        end as reason
    from rejects
),

dispositions as (
    select * from event_dispositions
    union all
    select * from person_dispositions
    union all
    select * from reject_dispositions
),

final as (
    select
        source_system,
        file_name,
        disposition,
        reason,
        count(*) as row_count
    from dispositions
    group by source_system, file_name, disposition, reason
)

select * from final
