-- The restricted person search (docs/api.md, "Restricted person search"; docs/identity.md): each person key with
-- the identifiers its linked records carry, one row per distinct SID, name and birth date of the person. Read by
-- GET /api/v1/restricted/person-search, which scores candidates against it. Person-level, with identifiers: for
-- cleared government users only.
with

records as (
    select * from {{ ref('int_person_records_unioned') }}
),

linked as (
    select * from {{ ref('int_person_records_linked') }}
),

final as (
    select
        linked.person_key,
        records.sid,
        records.last_name_key,
        records.first_name_key,
        records.birth_date,
        count(*) as record_count
    from records
    inner join linked
        on
            records.source_system = linked.source_system
            and records.source_record_id = linked.source_record_id
    where linked.person_key is not null
    group by linked.person_key, records.sid, records.last_name_key, records.first_name_key, records.birth_date
)

select * from final
