-- R-INC-3 and R-INC-2: the "most recent admission" each status period counts incarceration time from.
-- A sentenced person with pretrial time before the sentence: the start of the sentenced placement (no jail
-- credit). A person transferred between custodial agencies: the admission to the most recent agency (each
-- agency's admission is its own row). A parole violator: the admission as a parole violator. Otherwise (pretrial):
-- the admission. Incarceration time at release counts every day, both ends included (R-INC-1).
with

statuses as (
    select * from {{ ref('int_custody_statuses_unioned') }}
),

admissions as (
    select * from {{ ref('int_custody_admissions_unioned') }}
),

joined as (
    select
        statuses.status_key,
        statuses.admission_key,
        admissions.source_person_key,
        admissions.agency_code,
        statuses.offender_status,
        statuses.is_parole_violator,
        statuses.status_start_date,
        statuses.status_end_date,
        admissions.admission_date,
        admissions.release_date,
        admissions.is_parole_violation_admission,
        admissions.is_transfer_admission
    from statuses
    inner join admissions
        on statuses.admission_key = admissions.admission_key
),

sequenced as (
    select
        *,
        lag(offender_status) over (
            partition by admission_key
            order by status_start_date, status_key
        ) as previous_offender_status
    from joined
),

runs as (
    select
        *,
        -- consecutive periods of the same offender status within the admission form one run
        sum(
            case when coalesce(previous_offender_status, '') = coalesce(offender_status, '') then 0 else 1 end
        ) over (
            partition by admission_key
            order by status_start_date, status_key
            rows between unbounded preceding and current row
        ) as status_run_number
    from sequenced
),

anchored as (
    select
        *,
        min(status_start_date) over (partition by admission_key, status_run_number) as status_run_start_date
    from runs
),

final as (
    select
        status_key,
        admission_key,
        source_person_key,
        agency_code,
        offender_status,
        is_parole_violator,
        status_start_date,
        status_end_date,
        admission_date,
        release_date,
        case
            when offender_status = 'Sentenced' then status_run_start_date
            else admission_date
        end as most_recent_admission_date,
        case
            when offender_status = 'Sentenced' and (is_parole_violator or is_parole_violation_admission)
                then 'parole_violation_admission'
            when offender_status = 'Sentenced' then 'sentenced_placement_start'
            when is_transfer_admission then 'transfer_admission'
            else 'admission'
        end as most_recent_admission_basis,
        {{ inclusive_days(
            "case when offender_status = 'Sentenced' then status_run_start_date else admission_date end",
            'release_date'
        ) }} as incarceration_days_at_release
    from anchored
)

select * from final
