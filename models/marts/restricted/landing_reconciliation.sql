-- R-EX-2: every landing row of every file is in a mart, excluded for a stated reason, or rejected for a
-- stated data-quality reason, and the counts reconcile (tests/assert_every_landing_row_is_accounted_for.sql).
-- "In a mart": an event row is in the restricted person timeline; a person-bearing row belongs to a person who
-- has events there. One row per file, disposition and reason.
{#- the rows of a file whose rows give more than one event (an admission and its release): the `events` of the
    landing contract -#}
{%- set multi_event_files = [] -%}
{%- for multi_event_file in landing_multi_event_files() -%}
    {%- do multi_event_files.append(
        "(landing_events.source_system = '" ~ multi_event_file.source_system
        ~ "' and landing_events.file_name = '" ~ multi_event_file.file_name ~ "')"
    ) -%}
{%- endfor -%}
{%- set is_multi_event_file = multi_event_files | join(' or ') or '1 = 0' %}

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

person_links as (
    select * from {{ ref('int_person_records_linked') }}
),

rejects as (
    select * from {{ ref('int_landing_rows_rejected') }}
),

-- The 18.7 M events are read in three places below straight from int_landing_events, not through one import CTE:
-- DuckDB would store such a CTE read three times (docs/operations.md, "Build speed and memory").

-- one row per staged row of an event-bearing file that is not person-bearing, with its latest event date: the
-- events of a row share its person record, so the row reaches the timeline when its person is linked and any of its
-- events has a date. Only the rows of the files giving more than one event a row need grouping.
event_rows as (
    select
        landing_events.source_system,
        landing_events.file_name,
        landing_events.person_record_id,
        max(landing_events.event_date) as event_date
    from {{ ref('int_landing_events') }} as landing_events
    where {{ is_multi_event_file }}
    group by
        landing_events.source_system,
        landing_events.file_name,
        landing_events.source_event_id,
        landing_events.person_record_id
    union all
    select
        landing_events.source_system,
        landing_events.file_name,
        landing_events.person_record_id,
        landing_events.event_date
    from {{ ref('int_landing_events') }} as landing_events
    left join person_files
        on
            landing_events.source_system = person_files.source_system
            and landing_events.file_name = person_files.file_name
    where person_files.file_name is null and not ({{ is_multi_event_file }})
),

-- every person record with events, with its latest event date
event_records as (
    select
        landing_events.source_system,
        landing_events.person_record_id,
        max(landing_events.event_date) as event_date
    from {{ ref('int_landing_events') }} as landing_events
    group by landing_events.source_system, landing_events.person_record_id
),

-- the people with an event in the person timeline: whether an event reaches it is int_landing_events_linked's own
-- condition (reaches_person_timeline)
timeline_people as (
    select distinct person_links.person_key
    from event_records
    inner join person_links
        on
            event_records.source_system = person_links.source_system
            and event_records.person_record_id = person_links.source_record_id
    where {{ reaches_person_timeline('person_links.person_key', 'event_records.event_date') }}
),

event_dispositions as (
    select
        event_rows.source_system,
        event_rows.file_name,
        case
            when {{ reaches_person_timeline('person_links.person_key', 'event_rows.event_date') }} then 'in_marts'
            else 'excluded'
        end as disposition,
        case
            when {{ reaches_person_timeline('person_links.person_key', 'event_rows.event_date') }} then ''
            when event_rows.person_record_id is null then 'the row it belongs to was not staged'
            when person_links.source_record_id is null then 'its person record was not staged'
            when person_links.person_key is null
                then 'person not linked: ' || coalesce(person_links.unlinked_reason, '')
            else 'no event date'
        end as reason
    from event_rows
    left join person_links
        on
            event_rows.source_system = person_links.source_system
            and event_rows.person_record_id = person_links.source_record_id
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
