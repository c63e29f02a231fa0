-- Custody periods per person across agencies: every offender status period of every custodial admission,
-- keyed by the person it belongs to (R-SRC-3: records without a person_key are flagged, never used by the
-- person-level marts, and counted), normalized and collapsed into continuous custody episodes across agencies.
-- Normalization: a release recorded before its admission is replaced by the end of the admission's last status
-- period (else the period is unusable); status periods are made contiguous within their admission (a status lasts
-- until the day before the next one starts, the last one until the release), so a missing or wrong status end, or
-- a rejected status row, cannot take a person out of custody while the admission is open; the same period
-- delivered twice for one person is kept once; a same-day stay is one day (R-INC-1); a record whose agency is not
-- in reference data cannot be placed. Overlapping and nested periods stay as they are: the cohorts pick one
-- period per person and date (the most recent admission), and the episodes absorb them.
with

statuses as (
    select * from {{ ref('int_custody_statuses_unioned') }}
),

anchored as (
    select * from {{ ref('int_custody_statuses_anchored') }}
),

admissions as (
    select * from {{ ref('int_custody_admissions_unioned') }}
),

chained as (
    select * from {{ ref('int_custody_admissions_chained') }}
),

linked as (
    select * from {{ ref('int_person_records_linked') }}
),

admission_status_ends as (
    select
        statuses.admission_key,
        max(statuses.status_end_date) as last_status_end_date
    from statuses
    inner join admissions
        on statuses.admission_key = admissions.admission_key
    where statuses.status_end_date >= admissions.admission_date
    group by statuses.admission_key
),

admissions_normalized as (
    select
        admissions.*,
        case
            when admissions.release_date is null or admissions.release_date >= admissions.admission_date
                then admissions.release_date
            else admission_status_ends.last_status_end_date
        end as normalized_release_date,
        coalesce(admissions.release_date < admissions.admission_date, false) as has_release_before_admission
    from admissions
    left join admission_status_ends
        on admissions.admission_key = admission_status_ends.admission_key
),

joined as (
    select
        anchored.status_key,
        anchored.admission_key,
        linked.person_key,
        admissions_normalized.source_system,
        admissions_normalized.source_person_id,
        admissions_normalized.source_person_key,
        admissions_normalized.agency_code,
        anchored.offender_status,
        anchored.is_parole_violator,
        statuses.is_excluded_status,
        statuses.exclusion_reason_code as status_exclusion_reason_code,
        statuses.facility_type_code,
        anchored.status_start_date,
        anchored.status_end_date,
        lead(anchored.status_start_date) over (
            partition by anchored.admission_key
            order by anchored.status_start_date, anchored.status_key
        ) as next_status_start_date,
        row_number() over (
            partition by anchored.admission_key
            order by anchored.status_start_date desc, anchored.status_key desc
        ) = 1 as is_last_status_of_admission,
        row_number() over (
            partition by anchored.admission_key
            order by anchored.status_start_date, anchored.status_key
        ) = 1 as is_first_status_of_admission,
        admissions_normalized.admission_date,
        admissions_normalized.normalized_release_date as release_date,
        admissions_normalized.has_release_before_admission,
        admissions_normalized.admission_type,
        admissions_normalized.is_parole_violation_admission,
        admissions_normalized.is_transfer_admission,
        admissions_normalized.is_excluded_admission,
        admissions_normalized.admission_exclusion_reason_code,
        admissions_normalized.release_type,
        admissions_normalized.is_release_to_community,
        admissions_normalized.reproductive_health_status,
        admissions_normalized.primary_caretaker_status,
        admissions_normalized.birth_date,
        anchored.most_recent_admission_date,
        anchored.most_recent_admission_basis,
        chained.continuous_custody_admission_date
    from anchored
    inner join statuses
        on anchored.status_key = statuses.status_key
    inner join admissions_normalized
        on anchored.admission_key = admissions_normalized.admission_key
    left join chained
        on anchored.admission_key = chained.admission_key
    left join linked
        on
            admissions_normalized.source_system = linked.source_system
            and admissions_normalized.source_person_id = linked.source_record_id
),

dated as (
    select
        *,
        status_start_date as period_start_date,
        -- status periods within an admission are contiguous: a status lasts until the day before the next one
        -- starts, the last one until the release; a missing or inconsistent status end cannot open a gap
        case
            when next_status_start_date is not null
                then cast({{ dbt.dateadd('day', -1, 'next_status_start_date') }} as date)
            else release_date
        end as period_end_date
    from joined
),

checked as (
    select
        *,
        case
            when person_key is null then 'unlinked_person'
            when agency_code is null then 'unknown_agency'
            when period_start_date is null then 'missing_admission_date'
            when has_release_before_admission and release_date is null then 'release_before_admission'
            when period_end_date < period_start_date then 'end_before_start'
            when
                row_number() over (
                    partition by person_key, agency_code, offender_status, period_start_date, period_end_date
                    order by status_key
                ) > 1
                then 'duplicate_period'
        end as period_issue
    from dated
),

usable as (
    select
        *,
        -- the latest day in custody of every earlier period of the person, whatever the agency
        max(coalesce(period_end_date, cast('9999-12-31' as date))) over (
            partition by person_key
            order by period_start_date, status_key
            rows between unbounded preceding and 1 preceding
        ) as previous_custody_end_date
    from checked
    where period_issue is null
),

episodes as (
    select
        *,
        sum(
            case
                when previous_custody_end_date is null then 1
                when period_start_date > cast({{ dbt.dateadd('day', 1, 'previous_custody_end_date') }} as date) then 1
                else 0
            end
        ) over (
            partition by person_key
            order by period_start_date, status_key
            rows between unbounded preceding and current row
        ) as custody_episode_number
    from usable
),

episodes_dated as (
    select
        *,
        min(period_start_date) over (partition by person_key, custody_episode_number) as custody_episode_start_date
    from episodes
),

final as (
    select
        checked.status_key,
        checked.admission_key,
        checked.person_key,
        checked.source_system,
        checked.source_person_id,
        checked.source_person_key,
        checked.agency_code,
        checked.offender_status,
        checked.is_parole_violator,
        checked.is_excluded_status,
        checked.status_exclusion_reason_code,
        checked.facility_type_code,
        checked.period_start_date,
        checked.period_end_date,
        checked.is_first_status_of_admission,
        checked.is_last_status_of_admission,
        checked.admission_date,
        checked.release_date,
        checked.has_release_before_admission,
        checked.admission_type,
        checked.is_parole_violation_admission,
        checked.is_transfer_admission,
        checked.is_excluded_admission,
        checked.admission_exclusion_reason_code,
        checked.release_type,
        checked.is_release_to_community,
        checked.reproductive_health_status,
        checked.primary_caretaker_status,
        checked.birth_date,
        checked.most_recent_admission_date,
        checked.most_recent_admission_basis,
        checked.continuous_custody_admission_date,
        episodes_dated.custody_episode_number,
        episodes_dated.custody_episode_start_date,
        checked.period_issue,
        checked.period_issue is null as is_usable_period
    from checked
    left join episodes_dated
        on checked.status_key = episodes_dated.status_key
)

select * from final
