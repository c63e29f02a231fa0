-- R-SRC-3: every person-bearing record is matched to a person (its link_anchor), or left unlinked with the
-- reason. The person's key is assigned from the anchor by int_person_keys_assigned (random, kept across builds).
-- With the build's link stage (splink; CROSSTRACK_LINK_TABLE set, docs/identity.md "Probabilistic linkage") a record's
-- anchor, method and probability come from the link table (stg_linkage__links) and a record it leaves unlinked keeps
-- the reason below. Otherwise the deterministic rules (the baseline):
--   1. a SID that agrees with the SID's usual demographics (same last name or same birth date) links;
--   2. otherwise exact last name, first name and birth date link to the one SID person who has them;
--   3. otherwise the same with the birth date's day and month swapped;
--   4. otherwise the record's own demographics make a person of records without a usable SID;
--   5. a record without a usable SID that lacks a name or a birth date, or whose demographics match several
--      SID persons, cannot be linked with confidence: it keeps a null link_anchor and its reason.
{%- set splink = env_var("CROSSTRACK_LINK_TABLE", "") != "" %}
with

records as (
    select * from {{ ref('int_person_records_unioned') }}
),

sid_profiles as (
    select
        sid,
        last_name_key,
        birth_date,
        count(*) as record_count
    from records
    where sid is not null and last_name_key is not null and birth_date is not null
    group by sid, last_name_key, birth_date
),

sid_usual_profiles as (
    select
        sid,
        last_name_key as usual_last_name_key,
        birth_date as usual_birth_date
    from (
        select
            *,
            row_number() over (
                partition by sid order by record_count desc, last_name_key asc, birth_date asc
            ) as profile_rank
        from sid_profiles
    ) as ranked
    where profile_rank = 1
),

sid_checked as (
    select
        records.*,
        case
            when records.sid is null then false
            when sid_usual_profiles.sid is null then true
            when records.last_name_key is null and records.birth_date is null then true
            when records.last_name_key = sid_usual_profiles.usual_last_name_key then true
            when records.birth_date = sid_usual_profiles.usual_birth_date then true
            else false
        end as has_consistent_sid,
        case
            when
                records.last_name_key is not null
                and records.first_name_key is not null
                and records.birth_date is not null
                then
                    records.last_name_key || '|' || records.first_name_key || '|'
                    || cast(records.birth_date as {{ dbt.type_string() }})
        end as demographic_key,
        case
            when records.last_name_key is not null and records.first_name_key is not null
                then
                    records.last_name_key || '|' || records.first_name_key || '|'
                    || cast({{ swap_day_month('records.birth_date') }} as {{ dbt.type_string() }})
        end as swapped_demographic_key
    from records
    left join sid_usual_profiles on records.sid = sid_usual_profiles.sid
),

sid_demographics as (
    select
        demographic_key,
        min(sid) as sid,
        count(distinct sid) as sid_count
    from sid_checked
    where has_consistent_sid and demographic_key is not null
    group by demographic_key
),

matched as (
    select
        sid_checked.*,
        exact_match.sid as exact_sid,
        exact_match.sid_count as exact_sid_count,
        swapped_match.sid as swapped_sid,
        swapped_match.sid_count as swapped_sid_count
    from sid_checked
    left join sid_demographics as exact_match
        on sid_checked.demographic_key = exact_match.demographic_key
    left join sid_demographics as swapped_match
        on sid_checked.swapped_demographic_key = swapped_match.demographic_key
),

assigned as (
    select
        *,
        case
            when has_consistent_sid then 'sid:' || sid
            when exact_sid_count = 1 then 'sid:' || exact_sid
            when exact_sid_count > 1 then null
            when swapped_sid_count = 1 then 'sid:' || swapped_sid
            when demographic_key is not null then 'demographics:' || demographic_key
        end as link_anchor,
        case
            when has_consistent_sid then 'sid'
            when exact_sid_count = 1 then 'demographics'
            when exact_sid_count > 1 then 'unlinked'
            when swapped_sid_count = 1 then 'demographics_swapped_birth_date'
            when demographic_key is not null then 'demographics_only'
            else 'unlinked'
        end as match_method,
        case
            when has_consistent_sid or exact_sid_count = 1 then null
            when exact_sid_count > 1 then 'demographics match several SID persons'
            when swapped_sid_count = 1 or demographic_key is not null then null
            when sid is not null then 'SID disagrees with its person and no name and birth date to fall back on'
            else 'no SID, and no name and birth date to match on'
        end as unlinked_reason
    from matched
),

links as (
    select * from {{ ref('stg_linkage__links') }}
),

final as (
    select
        assigned.source_system,
        assigned.source_record_id,
        {% if splink -%}
            links.link_anchor,
            coalesce(links.match_method, 'unlinked') as match_method,
            case
                when links.link_anchor is null
                    then coalesce(assigned.unlinked_reason, 'no SID, and no name and birth date to match on')
            end as unlinked_reason,
            links.match_probability,
        {%- else -%}
            assigned.link_anchor,
            assigned.match_method,
            assigned.unlinked_reason,
            cast(case when assigned.link_anchor is not null then 1 end as {{ dbt.type_float() }}) as match_probability,
        {%- endif %}
        assigned.sid is not null as has_sid,
        assigned.has_consistent_sid
    from assigned
    left join links
        on
            assigned.source_system = links.source_system
            and assigned.source_record_id = links.source_record_id
)

select * from final
